package dev.amalgam.cluster;

import dev.amalgam.evolve.run.CandidateScore;

/** How a worker scores one candidate of a run (the search's own scoring, or a benchmark's synthetic one). */
@FunctionalInterface
public interface Scorer {
    /**
     * @param genes gene values, [genes]
     * @return the per-task scores and timings (worker and start/end are filled in by the worker)
     */
    CandidateScore score(RunSpec run, double[] genes) throws Exception;
}
