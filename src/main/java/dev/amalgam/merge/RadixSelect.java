package dev.amalgam.merge;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The k-th largest of non-negative floats, exactly, from their bits (for non-negative floats, bit order is value
 * order), in one or two counting passes over them instead of a sort: the bucket of the top 16 bits first, then the low
 * 16 bits within that bucket. The second pass is needed only when the k-th value has low bits that are not 0. Values
 * that are differences of two bf16 values of one exponent have none (such a difference is itself a bf16 value, at most
 * 8 significant bits), so on bf16 inputs the first pass usually settles it: it also counts, per bucket, the values
 * whose low bits are not 0, which are the bucket's largest, and the k-th value's rank within its bucket tells whether
 * it is one of them. {@link JavaCpuKernel} runs the passes over |x - base|, per range of a tensor.
 */
final class RadixSelect {
    /**
     * Counters of the first pass: per bucket of the top 16 bits, how many of its values have low bits that are 0, then
     * how many have others (side by side: one increment a value, into one cache line per bucket).
     */
    static final int HIGH = 2 << 16;
    /** Counters of the second pass: one per value of the low 16 bits, within one bucket. */
    static final int LOW = 1 << 16;

    private RadixSelect() {
    }

    /** What the first pass settled: the value, or the bucket and rank the second pass must look in. */
    sealed interface Step {
    }

    record Found(float value) implements Step {
    }

    /** @param rank the k-th largest's rank within the bucket, from 1 (its largest) */
    record Refine(int bucket, long rank) implements Step {
        Refine {
            if (bucket < 0 || bucket >= 1 << 16 || rank < 1) {
                throw new IllegalArgumentException("bucket " + bucket + ", rank " + rank);
            }
        }
    }

    /**
     * The first pass over a chunk: counts |values| into {@code counts} ({@link #HIGH} of them); {@code index} is scratch
     * of at least {@code len} ints. Two loops: the counters' indices from the bits first, read as ints through a segment
     * over the float[] (a loop the JIT vectorizes, where Float.floatToRawIntBits stays scalar), then the increments,
     * which cannot be vectorized: 2x faster than one loop doing both.
     */
    static void countHigh(float[] values, int len, int[] counts, int[] index) {
        MemorySegment bits = MemorySegment.ofArray(values);
        for (int j = 0; j < len; j++) {
            index[j] = counter(bits.getAtIndex(ValueLayout.JAVA_INT, j) & 0x7FFFFFFF);
        }
        for (int j = 0; j < len; j++) {
            counts[index[j]]++;
        }
    }

    /**
     * The {@link #HIGH} counter of a magnitude's bits: its bucket's second where the low bits are not 0 ((low + 0xFFFF)
     * >>> 16 is then 1), branch-free: one increment a value, where counting the bucket and the low bits apart took two
     * (20-25% slower).
     */
    private static int counter(int magnitude) {
        return magnitude >>> 16 << 1 | (magnitude & 0xFFFF) + 0xFFFF >>> 16;
    }

    /** The second pass over a chunk: counts the low 16 bits of the |values| in {@code bucket} ({@link #LOW} of them). */
    static void countLow(float[] values, int len, int bucket, int[] counts) {
        for (int j = 0; j < len; j++) {
            int bits = Float.floatToRawIntBits(Math.abs(values[j]));
            if (bits >>> 16 == bucket) {
                counts[bits & 0xFFFF]++;
            }
        }
    }

    /**
     * The values of an array, non-negative floats (a NaN ranks above +infinity, as in the passes over a tensor), counted
     * once by their top 16 bits, as the first pass over a tensor counts them, for the k-th largest at any rank: a
     * sample's at several ranks ({@link ThresholdGuess}), a small tensor's at one ({@link MagnitudeThresholds}). Only the
     * buckets from the least value's to the largest's are counted (a few thousand of the 65536, for a sample's
     * magnitudes). A rank the count does not settle is found among its bucket's values, sorted.
     */
    static final class Ranked {
        private final float[] values;
        private final int size;
        private final int from; // the least value's bucket
        private final long[] counts; // two for each bucket from the least value's to the largest's, as HIGH's

        /** Counts {@code values[0..size)} (at least one), which it keeps (and does not change). */
        Ranked(float[] values, int size) {
            if (size < 1 || size > values.length) {
                throw new IllegalArgumentException(size + " of " + values.length + " values");
            }
            this.values = values;
            this.size = size;
            MemorySegment bits = MemorySegment.ofArray(values);
            int least = Integer.MAX_VALUE;
            int most = 0;
            for (int j = 0; j < size; j++) {
                int magnitude = bits.getAtIndex(ValueLayout.JAVA_INT, j); // non-negative: the sign bit is 0
                least = Math.min(least, magnitude);
                most = Math.max(most, magnitude);
            }
            this.from = least >>> 16;
            this.counts = new long[2 * ((most >>> 16) - from + 1)];
            for (int j = 0; j < size; j++) {
                int magnitude = bits.getAtIndex(ValueLayout.JAVA_INT, j);
                counts[counter(magnitude) - 2 * from]++; // the buckets below the least value's are not counted
            }
        }

        float[] values() {
            return values;
        }

        int size() {
            return size;
        }

        /**
         * The {@code rank}-th largest, from 1 to size. Where the count does not settle it, the values of its bucket are
         * gathered (branch-free: every value is written, the bucket's kept) and sorted: a few dozen of a sample's, where
         * the second pass's 65536 counters, zeroed, summed and scanned, took most of a sample's estimate.
         */
        float largest(long rank) {
            return switch (afterHigh(counts, from, rank)) {
                case Found(float value) -> value;
                case Refine r -> {
                    int index = 2 * (r.bucket() - from);
                    int inBucket = (int) (counts[index] + counts[index + 1]);
                    int[] gathered = new int[inBucket + 1]; // and a slot the other values are written to
                    gather(MemorySegment.ofArray(values), size, 0, 16, r.bucket(), gathered, 0);
                    yield Float.intBitsToFloat(largestOf(gathered, inBucket, r.rank()));
                }
            };
        }
    }

    /**
     * Appends to {@code into}, from {@code at} on, those of the ints {@code bits[0..count)} less {@code offset} whose
     * bucket, their difference {@code >>> shift}, is {@code bucket}; returns the new end. Branch-free: every value is
     * written, the bucket's kept, so {@code into} needs a slot past the bucket's values.
     */
    static int gather(MemorySegment bits, int count, int offset, int shift, int bucket, int[] into, int at) {
        for (int j = 0; j < count; j++) {
            int value = bits.getAtIndex(ValueLayout.JAVA_INT, j) - offset;
            into[at] = value;
            at += value >>> shift == bucket ? 1 : 0;
        }
        return at;
    }

    /** The {@code rank}-th largest (from 1) of {@code values[0..size)}, which it sorts: one bucket's, {@link #gather}ed. */
    static int largestOf(int[] values, int size, long rank) {
        Arrays.sort(values, 0, size);
        return values[size - (int) rank];
    }

    /** Threads' or ranges' counters (ints: half a long's cache footprint; each under 2^31) summed; null: empty. */
    static long[] sum(int[][] ranges, int size) {
        long[] sums = new long[size];
        for (int[] counts : ranges) {
            if (counts != null) {
                for (int b = 0; b < size; b++) {
                    sums[b] += counts[b];
                }
            }
        }
        return sums;
    }

    /** After the first pass ({@code counts}: {@link #HIGH} summed counters), for 1 <= k <= the values counted. */
    static Step afterHigh(long[] counts, long k) {
        return afterHigh(counts, 0, k);
    }

    /** As {@link #afterHigh(long[], long)}, with counters for the buckets from {@code from} on only (two each). */
    private static Step afterHigh(long[] counts, int from, long k) {
        long[] bucket = select(counts, true, k);
        int index = (int) bucket[0];
        long rank = bucket[1];
        if (rank > counts[2 * index + 1]) {
            return new Found(Float.intBitsToFloat(from + index << 16)); // below every value of the bucket with low bits
        }
        return new Refine(from + index, rank);
    }

    /** After the second pass over {@code refine.bucket()} ({@code counts}: {@link #LOW} summed counters). */
    static float afterLow(Refine refine, long[] counts) {
        return Float.intBitsToFloat(refine.bucket() << 16 | (int) select(counts, false, refine.rank())[0]);
    }

    /**
     * The bucket ({@code pairs}: two counters each, as {@link #HIGH}) with the k-th largest, counting from the last
     * bucket down, and k's rank in it.
     */
    static long[] select(long[] counts, boolean pairs, long k) {
        long seen = 0;
        for (int b = (pairs ? counts.length / 2 : counts.length) - 1; b >= 0; b--) {
            long count = pairs ? counts[2 * b] + counts[2 * b + 1] : counts[b];
            if (seen + count >= k) {
                return new long[]{b, k - seen};
            }
            seen += count;
        }
        throw new IllegalStateException("k = " + k + " exceeds the " + seen + " values");
    }
}
