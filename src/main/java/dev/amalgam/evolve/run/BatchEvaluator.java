package dev.amalgam.evolve.run;

import java.util.List;

/**
 * Scores a whole generation at once, so a parallel or remote evaluator can plug in. Receives only genomes that
 * were never scored (the {@link GenerationEvaluator} caches by genome) and reports each score as soon as it is
 * known, so the journal keeps finished work when a run is killed mid-generation.
 */
public interface BatchEvaluator {
    /** Receives each candidate's score (in any order; {@code index} is its position in the batch). */
    @FunctionalInterface
    interface Results {
        void scored(int index, CandidateScore score);
    }

    /** @param genomes gene values, each [genes] */
    void evaluate(List<double[]> genomes, Results results);

    /**
     * The same for the new genomes of {@code generation} (an evaluator whose scoring changes over a run, the anchor
     * items of {@code evaluation.fitness}, needs to know which).
     */
    default void evaluate(int generation, List<double[]> genomes, Results results) {
        evaluate(genomes, results);
    }
}
