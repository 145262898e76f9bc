package dev.amalgam.evolve.run;

import dev.amalgam.history.Candidate;

import java.io.Serializable;
import java.time.Instant;
import java.util.Arrays;

/**
 * What a {@link BatchEvaluator} measured for one candidate.
 *
 * @param tasks        score per task (the configured metric, 0..1), [tasks]; all {@code NaN} when scoring failed
 * @param mergeSeconds time to materialise the candidate's weights
 * @param scoreSeconds time to score it
 * @param worker       who scored it ({@link Candidate#LOCAL} in the search's own process)
 * @param startedAt    when the evaluation began, seconds since the epoch
 * @param endedAt      when it ended, seconds since the epoch
 * @param failure      why it failed (empty when it did not)
 * @param cost         items and tokens scored, and whether {@code tasks} is a partial estimate
 */
public record CandidateScore(double[] tasks, double mergeSeconds, double scoreSeconds, String worker, double startedAt,
                             double endedAt, String failure, Candidate.Cost cost) implements Serializable {
    public CandidateScore {
        tasks = tasks.clone();
        cost = cost == null ? Candidate.Cost.UNKNOWN : cost;
    }

    /** A score whose scorer did not count items and tokens. */
    public CandidateScore(double[] tasks, double mergeSeconds, double scoreSeconds, String worker, double startedAt,
                          double endedAt, String failure) {
        this(tasks, mergeSeconds, scoreSeconds, worker, startedAt, endedAt, failure, Candidate.Cost.UNKNOWN);
    }

    /** A score measured just now in this process: it ended now and took merge plus scoring time. */
    public CandidateScore(double[] tasks, double mergeSeconds, double scoreSeconds) {
        this(tasks, mergeSeconds, scoreSeconds, Candidate.LOCAL, now() - mergeSeconds - scoreSeconds, now(), "");
    }

    /** A candidate that could not be scored, {@code tasks} of them, for {@code reason}. */
    public static CandidateScore failed(int tasks, String worker, double startedAt, double endedAt, String reason) {
        double[] nan = new double[tasks];
        Arrays.fill(nan, Double.NaN);
        return new CandidateScore(nan, 0, 0, worker, startedAt, endedAt, reason);
    }

    /** Seconds since the epoch, to the microsecond. */
    public static double now() {
        Instant t = Instant.now();
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    @Override
    public double[] tasks() {
        return tasks.clone();
    }
}
