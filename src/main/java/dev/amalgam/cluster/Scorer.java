package dev.amalgam.cluster;

import dev.amalgam.evolve.run.BatchEvaluator;
import dev.amalgam.evolve.run.CandidateScore;

import java.util.List;

/** How a worker scores one candidate of a run (the search's own scoring, or a benchmark's synthetic one). */
@FunctionalInterface
public interface Scorer {
    /**
     * @param genes gene values, [genes]
     * @return the per-task scores and timings (worker and start/end are filled in by the worker)
     */
    CandidateScore score(RunSpec run, double[] genes) throws Exception;

    /** One candidate at a time through a search's own evaluator (whatever the run: the evaluator knows its config). */
    static Scorer of(BatchEvaluator evaluator) {
        return (run, genes) -> {
            CandidateScore[] out = new CandidateScore[1];
            evaluator.evaluate(List.of(genes), (i, s) -> out[0] = s);
            return out[0];
        };
    }
}
