package dev.amalgam.merge;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * TIES' thresholds for {@link JavaCpuKernel}: per magnitude-masked model, the k-th largest |x - base|, exactly (as
 * {@link KthLargest} over fp32). First {@link ThresholdGuess}: a sample's guess per model, proved (or not) by a
 * vectorized count over the whole tensor ({@link GuessCount}: {@link #find}'s own pass, or the kernel's final pass,
 * which uses the guesses before they are proved); where the sample gave no guess (deltas that seldom repeat), a bracket
 * around the sample's value, searched by {@link BracketCount}'s one vectorized pass; then, for the models neither
 * settled, {@link RadixSelect}: one histogram pass, and a second over those the first did not settle either (rare on
 * bf16 inputs). Each pass widens the base once per chunk for all its models. A tensor too small for a sample (under
 * 8 of its segments: a norm's) is ranked whole, in no pass.
 */
final class MagnitudeThresholds {
    /** The passes over the kernel's inputs that the search runs. */
    interface Passes {
        long numel();

        /**
         * One pass over {@code models}' deltas (input indices after the base) on all cores: {@code sinkOfRange} makes each
         * range's sink (range indices below {@link ChunkRanges#RANGES}), which gets every chunk of every model of the
         * range, on the thread that made it.
         */
        void eachDelta(int[] models, IntFunction<ChunkSink> sinkOfRange);

        /** One pass over {@code models}' deltas counted into {@code count}: by default, their chunks in floats. */
        default void eachBracket(int[] models, BracketCount count) {
            eachDelta(models, count::range);
        }

        /** |x - base| of {@code model} for elements {@code [starts[g], starts[g] + length)} into {@code into[g x length...]}. */
        void absDeltas(int model, long[] starts, int length, float[] into);
    }

    /** A range's work on a chunk of one model's delta ({@code model}: an index into the pass's models). */
    interface ChunkSink {
        void accept(int model, float[] delta, int len);
    }

    private MagnitudeThresholds() {
    }

    /** The threshold of each of {@code models} (input indices after the base), keeping its {@code k[m]} largest |delta|. */
    static float[] find(Passes passes, int[] models, long[] k) {
        Estimates estimates = estimates(passes, models, k);
        float[] found = estimates.guesses();
        int[] tried = guessed(found); // indices into models
        boolean[] settled = new boolean[models.length];
        if (tried.length > 0) {
            GuessCount count = new GuessCount(pick(found, tried));
            passes.eachDelta(Arrays.stream(tried).map(m -> models[m]).toArray(), count::range);
            for (int t = 0; t < tried.length; t++) {
                settled[tried[t]] = count.settles(t, passes.numel(), k[tried[t]]);
            }
        }
        exact(passes, models, k, IntStream.range(0, models.length).filter(m -> !settled[m]).toArray(), found,
                estimates.brackets());
        return found;
    }

    /**
     * What each model's sample tells ({@link ThresholdGuess}), per index into the pass's models: a guess (NaN where none
     * is worth trying, or the tensor is too small for a sample), which a {@link GuessCount} over the whole tensor must
     * prove; and, where there is no guess, a bracket (or null) for {@link BracketCount}'s pass.
     */
    record Estimates(float[] guesses, ThresholdGuess.Bracket[] brackets) {
    }

    /** The indices of {@code guesses} that hold a guess (not NaN): the models whose guess a pass must prove. */
    static int[] guessed(float[] guesses) {
        return IntStream.range(0, guesses.length).filter(m -> !Float.isNaN(guesses[m])).toArray();
    }

    /** The {@link Estimates} of {@code models}' thresholds, keeping {@code k[m]} of model m's largest |delta|. */
    static Estimates estimates(Passes passes, int[] models, long[] k) {
        float[] guess = new float[models.length];
        ThresholdGuess.Bracket[] brackets = new ThresholdGuess.Bracket[models.length];
        long[] starts = ThresholdGuess.segments(passes.numel());
        if (starts.length == 0) {
            Arrays.fill(guess, Float.NaN);
            return new Estimates(guess, brackets);
        }
        IntStream.range(0, models.length).parallel().forEach(m -> { // a model on each core
            float[] sample = new float[starts.length * ThresholdGuess.SEGMENT];
            passes.absDeltas(models[m], starts, ThresholdGuess.SEGMENT, sample);
            ThresholdGuess.Estimate estimate = ThresholdGuess.estimate(new RadixSelect.Ranked(sample, sample.length),
                    starts.length, k[m], passes.numel());
            guess[m] = estimate.guess();
            brackets[m] = estimate.bracket();
        });
        return new Estimates(guess, brackets);
    }

    /**
     * A pass's count of the |delta| at most each guess and of those below it, per range, which proves each guess exact
     * or not ({@link ThresholdGuess#settles}). Each range counts into arrays of its own: ranges' slots of one array
     * would share cache lines.
     */
    static final class GuessCount {
        private final float[] guesses; // per counted model
        private final long[][] atMost = new long[ChunkRanges.RANGES][]; // [range, counted model]; null for an empty range
        private final long[][] below = new long[ChunkRanges.RANGES][];

        GuessCount(float[] guesses) {
            this.guesses = guesses.clone();
        }

        /** Range {@code r}'s counter: {@code model} is an index into the guesses. */
        ChunkSink range(int r) {
            long[] le = atMost[r] = new long[guesses.length];
            long[] lt = below[r] = new long[guesses.length];
            return (m, delta, len) -> {
                int both = ThresholdGuess.atMostAndBelow(delta, len, guesses[m]);
                le[m] += both >>> 16;
                lt[m] += both & 0xFFFF;
            };
        }

        /** Adds counts made elsewhere ({@link FamilyLanes}) to range {@code r}'s, once {@link #range} made them: per guess. */
        void add(int r, long[] atMostCounts, long[] belowCounts) {
            for (int m = 0; m < guesses.length; m++) {
                atMost[r][m] += atMostCounts[m];
                below[r][m] += belowCounts[m];
            }
        }

        /** The number of guesses counted. */
        int size() {
            return guesses.length;
        }

        /** Whether guess {@code m} is the k-th largest of the {@code numel} values counted. */
        boolean settles(int m, long numel, long k) {
            return ThresholdGuess.settles(numel, k, sum(atMost, m), sum(below, m));
        }
    }

    /**
     * The exact thresholds of {@code models[which[...]]} into their {@code found}: in a tensor too small for a sample,
     * from all its values ({@link #whole}); else {@link BracketCount}'s pass for those with a bracket in
     * {@code brackets} (indices into models, as found), then {@link RadixSelect}'s for the rest and for those whose
     * threshold the bracket did not hold: one histogram pass, and a second over those the first did not settle (rare on
     * bf16 inputs).
     */
    static void exact(Passes passes, int[] models, long[] k, int[] which, float[] found, ThresholdGuess.Bracket[] brackets) {
        if (ThresholdGuess.segments(passes.numel()).length == 0) { // too small for a sample (a norm's): ranked whole
            for (int m : which) {
                found[m] = whole(passes, models[m], k[m]);
            }
            return;
        }
        int[] bracketed = Arrays.stream(which).filter(m -> brackets[m] != null).toArray(); // indices into models
        boolean[] settled = new boolean[models.length];
        if (bracketed.length > 0) {
            try (BracketCount count = new BracketCount(Arrays.stream(bracketed).mapToObj(m -> brackets[m])
                    .toArray(ThresholdGuess.Bracket[]::new), passes.numel())) {
                passes.eachBracket(Arrays.stream(bracketed).map(m -> models[m]).toArray(), count);
                IntStream.range(0, bracketed.length).parallel().forEach(b -> { // each model's selection on a core
                    float threshold = count.threshold(b, k[bracketed[b]]);
                    settled[bracketed[b]] = !Float.isNaN(threshold);
                    found[bracketed[b]] = threshold;
                });
            }
        }
        radix(passes, models, k, Arrays.stream(which).filter(m -> !settled[m]).toArray(), found);
    }

    /**
     * The k-th largest |delta| of {@code model} in a tensor too small for a sample, from all its values at once: the
     * radix passes' counters (65536 a model and thread, zeroed and summed) cost far more than its few thousand values.
     */
    private static float whole(Passes passes, int model, long k) {
        int numel = Math.toIntExact(passes.numel());
        float[] values = new float[numel];
        passes.absDeltas(model, new long[]{0}, numel, values);
        return new RadixSelect.Ranked(values, numel).largest(k);
    }

    /** {@link RadixSelect}'s passes for {@code models[which[...]]}: sets their {@code found}. */
    private static void radix(Passes passes, int[] models, long[] k, int[] which, float[] found) {
        if (which.length == 0) {
            return;
        }
        long[][] top = histograms(passes, Arrays.stream(which).map(m -> models[m]).toArray(), null);
        RadixSelect.Refine[] refine = new RadixSelect.Refine[which.length]; // null where the first pass settled it
        for (int i = 0; i < which.length; i++) {
            switch (RadixSelect.afterHigh(top[i], k[which[i]])) {
                case RadixSelect.Found(float value) -> found[which[i]] = value;
                case RadixSelect.Refine r -> refine[i] = r;
            }
        }
        int[] pending = IntStream.range(0, which.length).filter(i -> refine[i] != null).toArray(); // indices into which
        if (pending.length > 0) {
            long[][] low = histograms(passes, Arrays.stream(pending).map(i -> models[which[i]]).toArray(),
                    Arrays.stream(pending).map(i -> refine[i].bucket()).toArray());
            for (int p = 0; p < pending.length; p++) {
                found[which[pending[p]]] = RadixSelect.afterLow(refine[pending[p]], low[p]);
            }
        }
    }

    /**
     * Per model of {@code models}, {@link RadixSelect}'s counters over |x - base|: its first pass without
     * {@code buckets}, else its second within {@code buckets[m]}. Each thread counts into its own arrays, summed at the
     * end: one per thread, not per range, as zeroing and summing 16 ranges' 512 KB arrays per model and tensor cost more
     * than the ranges' counting gained. A count of one thread fits an int while the tensor has fewer than 2^31 values;
     * a larger tensor's ranges count apart.
     */
    private static long[][] histograms(Passes passes, int[] models, int[] buckets) {
        int size = buckets == null ? RadixSelect.HIGH : RadixSelect.LOW;
        boolean byThread = passes.numel() < Integer.MAX_VALUE;
        Map<Object, int[][]> histograms = new ConcurrentHashMap<>(); // [model, size] by thread (or range)
        passes.eachDelta(models, r -> {
            int[][] h = histograms.computeIfAbsent(byThread ? Thread.currentThread() : r, key -> new int[models.length][size]);
            int[] index = buckets == null ? new int[ChunkRanges.CHUNK] : null; // countHigh's scratch
            return (m, delta, len) -> {
                if (buckets == null) {
                    RadixSelect.countHigh(delta, len, h[m], index);
                } else {
                    RadixSelect.countLow(delta, len, buckets[m], h[m]);
                }
            };
        });
        long[][] sums = new long[models.length][];
        for (int m = 0; m < models.length; m++) {
            int model = m;
            sums[m] = RadixSelect.sum(histograms.values().stream().map(h -> h[model]).toArray(int[][]::new), size);
        }
        return sums;
    }

    /** {@code values[at[i]]} for each i. */
    static float[] pick(float[] values, int[] at) {
        float[] picked = new float[at.length];
        for (int i = 0; i < at.length; i++) {
            picked[i] = values[at[i]];
        }
        return picked;
    }

    /** The ranges' counts in column {@code column}, summed (a null range: empty). */
    private static long sum(long[][] ranges, int column) {
        long total = 0;
        for (long[] range : ranges) {
            total += range == null ? 0 : range[column];
        }
        return total;
    }
}
