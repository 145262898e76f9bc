package dev.amalgam.merge;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A cheaper first try at TIES' threshold in {@link JavaCpuKernel}: the k-th largest |delta| of a sample of the tensor,
 * proved exact (or not) by one counting pass over the whole tensor. A fine-tune's deltas repeat their values: they are
 * a few bf16 steps of the weights (the difference of two bf16 values of one exponent is itself a bf16 value), so the
 * tensor's k-th largest is usually the sample's at the same relative rank, when that value fills more of the sample
 * than the sample's rank error spans. The pass counts, per model, the |delta| at most the guess and those below it:
 * the guess is the k-th largest exactly when k falls between their complements, with NaN ranking above every value as
 * in {@link RadixSelect}'s bit order (a NaN is neither at most nor below the guess). Otherwise {@link RadixSelect}'s
 * passes run as before. The counting loop vectorizes, where the radix histogram's increments cannot.
 */
final class ThresholdGuess {
    static final int SEGMENT = 1024; // elements of a contiguous piece of the sample
    static final int SEGMENTS = 64; // at most: a 65536-value sample, whose rank is within 0.2% of the tensor's (one s.d.)

    private ThresholdGuess() {
    }

    /** Where the sample's segments start, spread over {@code numel} elements; none for a tensor under 8 segments a segment. */
    static long[] segments(long numel) {
        int count = (int) Math.min(SEGMENTS, numel / (8L * SEGMENT));
        long[] starts = new long[count];
        for (int s = 0; s < count; s++) {
            starts[s] = (numel - SEGMENT) * s / Math.max(1, count - 1);
        }
        return starts;
    }

    /**
     * The guess for the k-th largest of {@code numel} values from {@code size} of their magnitudes in {@code sample}
     * (reordered): the sample's value at the same relative rank, or NaN where a guess is not worth its pass: a NaN or
     * an infinity in the sample, or a value that fills fewer of the sample's ranks than 4 standard deviations of the
     * sampled rank (the deltas of a model far from its base, or fp32 ones, seldom repeat enough).
     */
    static float fromSample(float[] sample, int size, long k, long numel) {
        for (int i = 0; i < size; i++) {
            if (Float.isNaN(sample[i])) {
                return Float.NaN; // the quickselect below compares with <, which NaN would defeat
            }
        }
        int rank = (int) Math.max(1, Math.min(size, (k * (double) size + numel - 1) / numel)); // ceil(k x size / numel)
        float t = largest(sample, size, rank);
        int copies = 0;
        for (int i = 0; i < size; i++) {
            copies += sample[i] == t ? 1 : 0;
        }
        double p = (double) k / numel;
        return Float.isInfinite(t) || copies < 4 * Math.sqrt(size * p * (1 - p)) ? Float.NaN : t;
    }

    /** The {@code rank}-th largest (from 1) of {@code values[0..size)}, which holds no NaN, by quickselect (it reorders them). */
    static float largest(float[] values, int size, int rank) {
        int want = rank - 1; // its index in descending order
        int lo = 0;
        int hi = size - 1;
        while (lo < hi) {
            float pivot = values[lo + (hi - lo) / 2];
            int i = lo;
            int j = hi;
            while (i <= j) { // Hoare's partition, descending: then [lo, j] >= pivot >= [i, hi], and pivots between
                while (values[i] > pivot) {
                    i++;
                }
                while (values[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    float swap = values[i];
                    values[i++] = values[j];
                    values[j--] = swap;
                }
            }
            if (want <= j) {
                hi = j;
            } else if (want >= i) {
                lo = i;
            } else {
                return values[want];
            }
        }
        return values[want];
    }

    /**
     * How many of {@code values[0..len)} (len <= 2^15) have |value| <= t (t >= 0), times 2^16, plus how many have
     * |value| < t (a NaN: neither): both counts from one branch-free loop, which the JIT vectorizes. It compares bits:
     * |value|'s (the sign bit cleared) order as the values do, and a NaN's lie above every other, +infinity's included.
     * The values are read as ints through a segment over the float[]: Float.floatToRawIntBits stays scalar in a loop,
     * and the earlier loop on the floats (Math.signum of t - |value|) took 4x as long.
     */
    static int atMostAndBelow(float[] values, int len, float t) {
        if (len > 1 << 15) {
            throw new IllegalArgumentException("a chunk of " + len + " values: its counts would not fit 16 bits each");
        }
        if (!(t >= 0)) {
            throw new IllegalArgumentException("a threshold of " + t + ": it must be at least 0");
        }
        int bound = Float.floatToRawIntBits(t) & 0x7FFFFFFF; // +0 for -0
        MemorySegment bits = MemorySegment.ofArray(values);
        int count = 0;
        for (int j = 0; j < len; j++) {
            int magnitude = bits.getAtIndex(ValueLayout.JAVA_INT, j) & 0x7FFFFFFF;
            // both differences lie within an int (magnitude and bound are 0 to 2^31 - 1): the sign bit is the test
            count += ((magnitude - bound - 1) >>> 31 << 16) + ((magnitude - bound) >>> 31);
        }
        return count;
    }

    /** Whether t is the k-th largest of {@code numel} values of which {@code atMost} are <= t and {@code below} are < t. */
    static boolean settles(long numel, long k, long atMost, long below) {
        return numel - atMost < k && k <= numel - below;
    }
}
