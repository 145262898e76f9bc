package dev.amalgam.evolve.run;

/**
 * What a {@link BatchEvaluator} measured for one candidate.
 *
 * @param tasks        score per task (the configured metric, 0..1), [tasks]
 * @param mergeSeconds time to materialise the candidate's weights
 * @param scoreSeconds time to score it
 */
public record CandidateScore(double[] tasks, double mergeSeconds, double scoreSeconds) {
    public CandidateScore {
        tasks = tasks.clone();
    }

    @Override
    public double[] tasks() {
        return tasks.clone();
    }
}
