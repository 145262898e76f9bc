package dev.amalgam.evolve.run;

import java.util.List;

/**
 * Scores a whole generation at once, so a parallel or remote evaluator can plug in. Receives only genomes that
 * were never scored (the {@link GenerationEvaluator} caches by genome) and reports each score as soon as it is
 * known, so the journal keeps finished work when a run is killed mid-generation. The steady schedule instead
 * {@link #stream streams} genomes, one per free slot.
 */
public interface BatchEvaluator {
    /** Receives each candidate's score (in any order; {@code index} is its position in the batch). */
    @FunctionalInterface
    interface Results {
        void scored(int index, CandidateScore score);
    }

    /** The steady schedule's source of genomes; called on the thread that called {@link #stream}. */
    interface Feed {
        /** The next genome to score, [genes], or null when there are no more (the evaluator then drains what is in flight). */
        double[] next();

        /** The score of the {@code ticket}-th genome {@link #next} handed out (0, 1, ...), in whatever order they end. */
        void scored(int ticket, CandidateScore score);
    }

    /** @param genomes gene values, each [genes] */
    void evaluate(List<double[]> genomes, Results results);

    /**
     * Scores genomes from {@code feed} as slots free up, asking for the next one only when a slot is free, until the
     * feed has no more and every genome handed out is scored. This default has one slot: it scores one genome at a
     * time with {@link #evaluate}.
     */
    default void stream(Feed feed) {
        int ticket = 0;
        for (double[] genes = feed.next(); genes != null; genes = feed.next()) {
            int t = ticket++;
            evaluate(List.of(genes), (i, s) -> feed.scored(t, s));
        }
    }

    /**
     * {@link #evaluate(List, Results)} for the new genomes of {@code generation} (an evaluator whose scoring changes over a run, the anchor
     * items of {@code evaluation.fitness}, needs to know which).
     */
    default void evaluate(int generation, List<double[]> genomes, Results results) {
        evaluate(genomes, results);
    }

    /** An evaluator whose scoring depends on the generation: a batch without one is generation 0's. */
    interface PerGeneration extends BatchEvaluator {
        @Override
        default void evaluate(List<double[]> genomes, Results results) {
            evaluate(0, genomes, results);
        }

        @Override
        void evaluate(int generation, List<double[]> genomes, Results results);
    }
}
