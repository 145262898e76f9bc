package dev.amalgam.merge;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * TIES' thresholds for {@link JavaCpuKernel}: per magnitude-masked model, the k-th largest |x - base|, exactly (as
 * {@link KthLargest} over fp32). First {@link ThresholdGuess}: a sample's guess per model, proved (or not) by one
 * vectorized counting pass over every model with a guess; then, for the models it did not settle, {@link RadixSelect}:
 * one histogram pass, and a second over those the first did not settle either (rare on bf16 inputs). Each pass widens
 * the base once per chunk for all its models.
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
        float[] found = new float[models.length];
        int[] rest = guessed(passes, models, k, found); // indices into models
        if (rest.length == 0) {
            return found;
        }
        long[][] top = histograms(passes, Arrays.stream(rest).map(m -> models[m]).toArray(), null);
        RadixSelect.Refine[] refine = new RadixSelect.Refine[rest.length]; // null where the first pass settled it
        for (int i = 0; i < rest.length; i++) {
            switch (RadixSelect.afterHigh(top[i], k[rest[i]])) {
                case RadixSelect.Found(float value) -> found[rest[i]] = value;
                case RadixSelect.Refine r -> refine[i] = r;
            }
        }
        int[] pending = IntStream.range(0, rest.length).filter(i -> refine[i] != null).toArray(); // indices into rest
        if (pending.length > 0) {
            long[][] low = histograms(passes, Arrays.stream(pending).map(i -> models[rest[i]]).toArray(),
                    Arrays.stream(pending).map(i -> refine[i].bucket()).toArray());
            for (int p = 0; p < pending.length; p++) {
                found[rest[pending[p]]] = RadixSelect.afterLow(refine[pending[p]], low[p]);
            }
        }
        return found;
    }

    /**
     * {@link ThresholdGuess} for {@code models}: each one's guess from its sample, then one counting pass over those with a
     * guess. Sets {@code found[m]} where the pass proves the guess exact; returns the other indices into {@code models}.
     */
    private static int[] guessed(Passes passes, int[] models, long[] k, float[] found) {
        long numel = passes.numel();
        long[] starts = ThresholdGuess.segments(numel);
        if (starts.length == 0) {
            return IntStream.range(0, models.length).toArray();
        }
        float[] guess = new float[models.length];
        float[] sample = new float[starts.length * ThresholdGuess.SEGMENT];
        for (int m = 0; m < models.length; m++) {
            passes.absDeltas(models[m], starts, ThresholdGuess.SEGMENT, sample);
            guess[m] = ThresholdGuess.fromSample(sample, sample.length, k[m], numel);
        }
        int[] tried = IntStream.range(0, models.length).filter(m -> !Float.isNaN(guess[m])).toArray(); // indices into models
        boolean[] settled = new boolean[models.length];
        if (tried.length > 0) {
            long[][] atMost = new long[ChunkRanges.RANGES][]; // [range, tried model]; null for an empty range
            long[][] below = new long[ChunkRanges.RANGES][];
            passes.eachDelta(Arrays.stream(tried).map(m -> models[m]).toArray(), r -> {
                long[] le = atMost[r] = new long[tried.length]; // a range's own: ranges' slots of one array share cache lines
                long[] lt = below[r] = new long[tried.length];
                return (t, delta, len) -> {
                    int both = ThresholdGuess.atMostAndBelow(delta, len, guess[tried[t]]);
                    le[t] += both >>> 16;
                    lt[t] += both & 0xFFFF;
                };
            });
            for (int t = 0; t < tried.length; t++) {
                int m = tried[t];
                if (ThresholdGuess.settles(numel, k[m], sum(atMost, t), sum(below, t))) {
                    found[m] = guess[m];
                    settled[m] = true;
                }
            }
        }
        return IntStream.range(0, models.length).filter(m -> !settled[m]).toArray();
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

    /** The ranges' counts in column {@code column}, summed (a null range: empty). */
    private static long sum(long[][] ranges, int column) {
        long total = 0;
        for (long[] range : ranges) {
            total += range == null ? 0 : range[column];
        }
        return total;
    }
}
