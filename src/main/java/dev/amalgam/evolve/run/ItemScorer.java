package dev.amalgam.evolve.run;

import dev.amalgam.NonFiniteException;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.history.Candidate;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Scores candidates item by item for the cheaper fitness modes ({@link RacingEvaluator}, {@link AnchorEvaluator}):
 * each candidate of a batch keeps its item values, so later items add to earlier ones without rescoring, and its
 * merge and scoring time and tokens add up over the calls. A candidate is materialised again only when another was
 * scored in between.
 */
final class ItemScorer {
    private final SearchConfig config;
    private final TaskSuite suite;
    private final CandidateModel candidates;
    private Progress current; // whose weights the scoring model holds

    /** One candidate's scoring so far. */
    static final class Progress {
        final double[] genes;
        final double[] values; // per item, NaN where not scored
        final double startedAt = CandidateScore.now();
        double mergeSeconds;
        double scoreSeconds;
        long tokens;
        String failure = "";

        Progress(double[] genes, int items) {
            this.genes = genes;
            this.values = new double[items];
            Arrays.fill(values, Double.NaN);
        }

        int scored() {
            return (int) Arrays.stream(values).filter(v -> !Double.isNaN(v)).count();
        }

        boolean complete() {
            return scored() == values.length;
        }
    }

    ItemScorer(SearchConfig config, TaskSuite suite, CandidateModel candidates) {
        this.config = config;
        this.suite = suite;
        this.candidates = candidates;
    }

    TaskSuite suite() {
        return suite;
    }

    /** The weighted fitness of per-objective estimates. */
    double fitness(double[] tasks) {
        return config.fitness(tasks);
    }

    int items() {
        return suite.items().count();
    }

    List<Progress> start(List<double[]> genomes) {
        return genomes.stream().map(g -> new Progress(g, items())).toList();
    }

    /**
     * Scores {@code p} on {@code which} (items it has not been scored on) and returns their values in that order. A
     * candidate whose weights or log-likelihoods are not finite scores 0 on every item, and the journal says why.
     */
    double[] score(Progress p, int[] which) {
        double[] out = new double[which.length];
        if (p.failure.isEmpty()) {
            long t0 = System.nanoTime();
            long t1 = t0;
            try {
                if (current != p) {
                    current = null;
                    candidates.materialise(p.genes);
                    current = p;
                }
                t1 = System.nanoTime();
                SuiteItems.Scored s = suite.scoreItems(candidates.model(), which);
                out = s.values();
                p.tokens += s.tokens();
            } catch (NonFiniteException e) {
                candidates.warnOnce("a candidate scores 0: " + e.getMessage());
                p.failure = "scored 0: " + e.getMessage();
            }
            long t2 = System.nanoTime();
            p.mergeSeconds += (t1 - t0) / 1e9;
            p.scoreSeconds += (t2 - t1) / 1e9;
        }
        for (int k = 0; k < which.length; k++) {
            p.values[which[k]] = out[k];
        }
        return out;
    }

    /** Scores {@code p} on every item it has not been scored on. */
    void complete(Progress p) {
        score(p, IntStream.range(0, items()).filter(i -> Double.isNaN(p.values[i])).toArray());
    }

    /** The per-objective estimates from {@code p}'s scored items; a failed candidate scores 0 (as in full mode). */
    double[] taskEstimates(Progress p) {
        return p.failure.isEmpty() ? suite.items().taskEstimates(p.values) : new double[config.tasks().size()];
    }

    /** The score to journal: {@code tasks} per objective, with what scoring cost. */
    CandidateScore result(Progress p, double[] tasks) {
        return new CandidateScore(tasks, p.mergeSeconds, p.scoreSeconds, Candidate.LOCAL, p.startedAt, CandidateScore.now(),
                p.failure, new Candidate.Cost(p.scored(), p.tokens, !p.complete()));
    }
}
