package dev.amalgam.evolve.fitness;

import java.util.Arrays;

/**
 * Racing a generation on its items: every candidate is scored on a first block of items, then only the candidates
 * whose upper confidence bound can still reach the elite are scored on the next block, until the items run out or
 * only the elite is left. A dropped candidate keeps its estimate (the mean over the items it was scored on) and a
 * flag.
 *
 * <p>The stated error: item scores lie in [0, 1] and the items are scored in one random order shared by all
 * candidates, so after n items a candidate's running mean is a sample without replacement of its full-split fitness,
 * and Hoeffding's inequality (which holds without replacement) bounds its deviation by
 * r(n) = sqrt(ln(2 K B / error) / (2 n)) for all K candidates and B blocks at once with probability 1 - error. A
 * candidate is dropped when its upper bound falls below the {@code elite}-th largest lower bound. When every interval
 * holds, the candidate with the best full-split fitness has an upper bound at or above its fitness, which is at or
 * above every other candidate's lower bound, so it is never dropped: the probability of dropping the true best is at
 * most {@code error} (a conservative bound: tested on synthetic fitness, the measured rate is far lower).
 *
 * <p>{@link Bound#BERNSTEIN} replaces Hoeffding's radius by the empirical Bernstein bound of Audibert, Munos and
 * Szepesvari (2009), used for racing by Mnih, Szepesvari and Audibert (2008): with V the candidate's empirical variance
 * of its item scores, r(n) = sqrt(2 V L / n) + 3 L / n with L = ln(3 K B / error). It holds under the same union bound
 * (sampling without replacement only tightens it) and is narrower when items vary little (a smooth objective, or an
 * accuracy near 0 or 1); for 0/1 items near accuracy 1/2 and few items its 3 L / n term makes it wider than Hoeffding's.
 */
public final class Racing {
    /**
     * @param blockSize items per block (the first block is scored for everyone)
     * @param elite     how many candidates must survive (the strategy's elite or the number it keeps)
     * @param error     the allowed probability of dropping the candidate with the best full fitness, (0, 1)
     */
    public record Settings(int blockSize, int elite, double error, Bound bound) {
        /** Hoeffding's bound. */
        public Settings(int blockSize, int elite, double error) {
            this(blockSize, elite, error, Bound.HOEFFDING);
        }

        public Settings {
            if (bound == null) {
                throw new IllegalArgumentException("racing needs a bound");
            }
            if (blockSize < 1) {
                throw new IllegalArgumentException("racing block size must be >= 1, got " + blockSize);
            }
            if (elite < 1) {
                throw new IllegalArgumentException("racing elite must be >= 1, got " + elite);
            }
            if (!(error > 0 && error < 1)) {
                throw new IllegalArgumentException("racing error must be in (0, 1), got " + error);
            }
        }
    }

    /** The confidence bound a race drops candidates by. */
    public enum Bound { HOEFFDING, BERNSTEIN }

    /** Scores candidate {@code candidate} on items [from, to) of the shared order: one score in [0, 1] per item. */
    public interface Scorer {
        double[] score(int candidate, int from, int to);
    }

    /**
     * @param estimate    each candidate's mean over the items it was scored on, [candidates]
     * @param itemsScored how many items each candidate was scored on, [candidates]
     * @param dropped     whether the race stopped scoring it before the last item, [candidates]
     */
    public record Result(double[] estimate, int[] itemsScored, boolean[] dropped) {
        public Result {
            estimate = estimate.clone();
            itemsScored = itemsScored.clone();
            dropped = dropped.clone();
        }

        @Override
        public double[] estimate() {
            return estimate.clone();
        }

        @Override
        public int[] itemsScored() {
            return itemsScored.clone();
        }

        @Override
        public boolean[] dropped() {
            return dropped.clone();
        }

        /** Items scored over all candidates. */
        public long totalItems() {
            return Arrays.stream(itemsScored).asLongStream().sum();
        }
    }

    private Racing() {
    }

    /** Races {@code candidates} over {@code items} items (in the scorer's shared order). */
    public static Result race(int candidates, int items, Settings settings, Scorer scorer) {
        double[] sum = new double[candidates];
        double[] sumSquares = new double[candidates];
        int[] n = new int[candidates];
        boolean[] dropped = new boolean[candidates];
        int blocks = (items + settings.blockSize() - 1) / settings.blockSize();
        double logTerm = Math.log((settings.bound() == Bound.HOEFFDING ? 2.0 : 3.0) * candidates * blocks / settings.error());
        for (int from = 0; from < items; from += settings.blockSize()) {
            int to = Math.min(items, from + settings.blockSize());
            for (int c = 0; c < candidates; c++) {
                if (!dropped[c]) {
                    for (double s : scorer.score(c, from, to)) {
                        if (!(s >= 0 && s <= 1)) {
                            throw new IllegalArgumentException("racing needs item scores in [0, 1], got " + s);
                        }
                        sum[c] += s;
                        sumSquares[c] += s * s;
                    }
                    n[c] = to;
                }
            }
            if (to == items) {
                break;
            }
            double[] lower = new double[candidates];
            double[] upper = new double[candidates];
            for (int c = 0; c < candidates; c++) {
                double mean = sum[c] / n[c];
                double r = switch (settings.bound()) {
                    case HOEFFDING -> Math.sqrt(logTerm / (2.0 * n[c]));
                    case BERNSTEIN -> {
                        double variance = Math.max(0, sumSquares[c] / n[c] - mean * mean);
                        yield Math.sqrt(2 * variance * logTerm / n[c]) + 3 * logTerm / n[c];
                    }
                };
                lower[c] = dropped[c] ? Double.NEGATIVE_INFINITY : mean - r;
                upper[c] = mean + r;
            }
            double[] sortedLower = lower.clone();
            Arrays.sort(sortedLower);
            // the elite-th largest lower bound (dropped ones count as -inf), so the elite itself is never dropped
            double eliteLower = sortedLower[Math.max(0, candidates - settings.elite())];
            for (int c = 0; c < candidates; c++) {
                dropped[c] |= upper[c] < eliteLower;
            }
        }
        double[] estimate = new double[candidates];
        boolean[] stoppedEarly = new boolean[candidates];
        for (int c = 0; c < candidates; c++) {
            estimate[c] = sum[c] / n[c];
            stoppedEarly[c] = n[c] < items;
        }
        return new Result(estimate, n, stoppedEarly);
    }
}
