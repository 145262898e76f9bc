package dev.amalgam.merge;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A cheaper first try at TIES' threshold in {@link JavaCpuKernel}: the k-th largest |delta| of a sample of the tensor,
 * proved exact (or not) by one counting pass over the whole tensor. A fine-tune's deltas repeat their values: they are
 * a few bf16 steps of the weights (the difference of two bf16 values of one exponent is itself a bf16 value), so the
 * tensor's k-th largest is usually the sample's at the same relative rank, when that value fills more of the sample
 * than the sample's rank error spans. The pass counts, per model, the |delta| at most the guess and those below it:
 * the guess is the k-th largest exactly when k falls between their complements, with NaN ranking above every value as
 * in {@link RadixSelect}'s bit order (a NaN is neither at most nor below the guess). Where the sample gives no guess,
 * it gives a {@link Bracket} for {@link BracketCount}'s pass. Both passes vectorize, where the radix histogram's
 * increments cannot.
 */
final class ThresholdGuess {
    static final int SEGMENT = 1024; // elements of a contiguous piece of the sample
    static final int SEGMENTS = 64; // at most: a 65536-value sample, whose rank is within 0.2% of the tensor's (one s.d.)
    /**
     * Standard deviations of the sampled rank on each side of a bracket: a tensor's k-th largest lies outside it by a
     * chance of 3e-5 a side (then the radix passes find it). Wider costs kept values: at 6, half as many again, whose
     * selection took 2.1 ms against 1.6 ms on a 5632 x 2048 tensor of two models.
     */
    private static final double MARGIN_SD = 4;

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

    /** What a model's sample tells of its threshold: a guess to prove (NaN: none), else a bracket to search (null: none). */
    record Estimate(float guess, Bracket bracket) {
    }

    /**
     * The estimate of the k-th largest of {@code numel} values from a sample of their magnitudes ({@code segments}
     * contiguous runs of equal length, as {@link #segments} places them), from the sample's value t at the same relative
     * rank, found once for both. A guess of t where it is worth its pass: t is finite and fills at least 4 standard
     * deviations of the sampled rank (the deltas of a model far from its base, or fp32 ones, seldom repeat enough).
     * Otherwise, unless t is a NaN, a bracket for a tensor whose values seldom repeat: the sample's values
     * {@link #MARGIN_SD} standard deviations of the sampled rank above and below t's, as bits of |value|. The deviation
     * is the larger of the binomial one and the one the segments' own counts show (a tensor's rows can differ in scale,
     * and a segment lies within a row or two). {@link BracketCount}'s pass then counts the values above the bracket and
     * keeps those within it: a few percent of the tensor.
     */
    static Estimate estimate(RadixSelect.Ranked ranked, int segments, long k, long numel) {
        int size = ranked.size();
        float[] sample = ranked.values();
        int rank = rank(size, k, numel);
        float t = ranked.largest(rank);
        double p = (double) k / numel;
        double variance = size * p * (1 - p);
        int copies = 0;
        for (int i = 0; i < size; i++) {
            copies += sample[i] == t ? 1 : 0;
        }
        if (Float.isFinite(t) && copies >= 4 * Math.sqrt(variance)) {
            return new Estimate(t, null);
        }
        if (Float.isNaN(t)) {
            return new Estimate(Float.NaN, null);
        }
        if (segments > 1) { // the segments' counts of values >= t: their spread, scaled to the whole sample
            int length = size / segments;
            double[] counts = new double[segments];
            for (int s = 0; s < segments; s++) { // a loop a segment, not a division an element
                int count = 0;
                for (int i = s * length; i < (s + 1) * length; i++) {
                    count += sample[i] >= t ? 1 : 0;
                }
                counts[s] = count;
            }
            double mean = Arrays.stream(counts).average().orElseThrow();
            double spread = Arrays.stream(counts).map(c -> (c - mean) * (c - mean)).sum() / (segments - 1);
            variance = Math.max(variance, segments * spread);
        }
        int margin = (int) Math.ceil(MARGIN_SD * Math.sqrt(variance)) + 32;
        // past the sample's ends: up to +infinity (a NaN lies above every bracket), down to 0
        int high = rank - margin < 1 ? Bracket.INFINITY
                : Math.min(Bracket.INFINITY, Float.floatToRawIntBits(ranked.largest(rank - margin)));
        int low = rank + margin > size ? 0 : Float.floatToRawIntBits(ranked.largest(rank + margin));
        return new Estimate(Float.NaN, new Bracket(low, high));
    }

    /** The sample's rank at k's relative rank among numel values: ceil(k x size / numel), within [1, size]. */
    private static int rank(int size, long k, long numel) {
        return (int) Math.max(1, Math.min(size, (k * (double) size + numel - 1) / numel));
    }

    /**
     * The magnitudes whose bits lie in {@code [low, high]}: at most +infinity's, so a NaN lies above every bracket, as in
     * {@link RadixSelect}'s bit order.
     */
    record Bracket(int low, int high) {
        static final int INFINITY = 0x7F800000;

        Bracket {
            if (low < 0 || low > high || high > INFINITY) {
                throw new IllegalArgumentException("a bracket of bits [" + low + ", " + high + "]");
            }
        }
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
