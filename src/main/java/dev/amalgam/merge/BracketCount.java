package dev.amalgam.merge;

import dev.amalgam.merge.ThresholdGuess.Bracket;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TIES' threshold on deltas that seldom repeat, in one pass that vectorizes (where {@link RadixSelect}'s histogram
 * scatters an increment a value): per model, the |delta| above its sample's {@link Bracket} are counted and those
 * within it kept, a few percent of the tensor; the k-th largest is then a kept value, where the count and the kept
 * values' number show it lies within the bracket. The ranges keep at most a sixteenth of the tensor's values a model,
 * and room for two chunks' (numel / 4 bytes + 2 MiB): past that (a bracket around a value that fills much of the
 * tensor) the model is not settled, and the radix passes run. Each range counts into arrays of its own ({@link Range}),
 * summed at the end. The kept values' arrays come from {@link Spares} and go back there on {@link #close}.
 */
final class BracketCount implements AutoCloseable {
    /** {@link #within}'s buckets: 2^12 counters, 32 KB. */
    private static final int BUCKET_BITS = 12;
    private final int[] low; // per model, the bracket's bits
    private final int[] high;
    private final AtomicLong[] room; // per model, how many more values the ranges may keep, together
    private final Range[] ranges = new Range[ChunkRanges.RANGES]; // null for an empty range

    /** For a tensor of {@code numel} values, fewer than 2^31 a range. */
    BracketCount(Bracket[] brackets, long numel) {
        this.low = Arrays.stream(brackets).mapToInt(Bracket::low).toArray();
        this.high = Arrays.stream(brackets).mapToInt(Bracket::high).toArray();
        this.room = new AtomicLong[brackets.length];
        Arrays.setAll(room, m -> new AtomicLong(room(numel)));
    }

    /**
     * How many values the ranges may keep a model, together, for a tensor of {@code numel}: a sixteenth of them, and two
     * chunks a range ({@link CpuFastPath#workingSet} counts it).
     */
    static long room(long numel) {
        return numel / 16 + ChunkRanges.RANGES * 2L * ChunkRanges.CHUNK;
    }

    /** Range {@code r}'s counts. */
    Range range(int r) {
        return ranges[r] = new Range(low, high, room);
    }

    /** Hands the ranges' arrays on to the next tensor's count: after {@link #threshold}, which reads them. */
    @Override
    public void close() {
        for (Range r : ranges) {
            if (r != null) {
                for (float[] values : r.kept) {
                    Spares.give(values);
                }
            }
        }
        Arrays.fill(ranges, null);
    }

    /**
     * Model m's k-th largest |delta|, or NaN where it is not within the bracket (or a range could not keep its values):
     * the values above it hold k or more of them, or those above it and within it too few. Else the kept values'
     * (k - those above)-th largest.
     */
    float threshold(int m, long k) {
        long above = 0;
        long inBracket = 0;
        for (Range r : ranges) {
            if (r != null) {
                if (r.kept[m] == null) {
                    return Float.NaN;
                }
                above += r.above[m];
                inBracket += r.filled[m];
            }
        }
        if (k <= above || k > above + inBracket) {
            return Float.NaN;
        }
        return within(m, k - above);
    }

    /**
     * The {@code rank}-th largest (from 1) of model m's kept values, all within its bracket: one count of them
     * over at most 2^{@link #BUCKET_BITS} buckets of their bits from the low end on, the bucket that holds the rank found
     * as {@link RadixSelect#select} finds the radix passes' buckets, then its values gathered and sorted, a few dozen
     * where the values spread over the bracket. Both models' selections
     * of a 5632 x 2048 tensor took 0.64-0.75 ms, against 0.87-0.88 ms by {@link RadixSelect.Ranked}, whose buckets of
     * the top 16 bits held a bracket's values in two or three: each increment waited on the last one's, and its second
     * pass branched on the bucket.
     */
    private float within(int m, long rank) {
        int least = low[m]; // the least bits a kept value has
        int span = high[m] - least + 1; // kept bits lie in [least, least + span)
        int shift = Math.max(0, 32 - Integer.numberOfLeadingZeros(span - 1) - BUCKET_BITS);
        long[] counts = new long[((span - 1) >>> shift) + 1];
        for (Range r : ranges) {
            if (r != null) {
                MemorySegment bits = MemorySegment.ofArray(r.kept[m]); // read as ints: floatToRawIntBits stays scalar
                for (int j = 0; j < r.filled[m]; j++) {
                    counts[bits.getAtIndex(ValueLayout.JAVA_INT, j) - least >>> shift]++;
                }
            }
        }
        long[] found = RadixSelect.select(counts, false, rank); // the bucket, and the rank within it
        int bucket = (int) found[0];
        int size = (int) counts[bucket];
        int[] gathered = new int[size + 1]; // the bucket's values above the low end, and a slot the others are written to
        int at = 0;
        for (Range r : ranges) {
            if (r != null) {
                at = RadixSelect.gather(MemorySegment.ofArray(r.kept[m]), r.filled[m], least, shift, bucket, gathered, at);
            }
        }
        return Float.intBitsToFloat(least + RadixSelect.largestOf(gathered, size, found[1]));
    }

    /**
     * One range's counts, per model: the |delta| above the bracket's high end, and the bits of those within it (its ends
     * included) as floats, in an array grown out of the models' shared room (null once it runs out: the count goes on,
     * the model is not settled). One count and one unsigned compare a vector, where counting the values above and at
     * each end apart (to keep only those strictly between them) took four counts and two compares: the pass took
     * 0.33-0.43 ns an element against 0.33-0.46, less in 4 of 5 alternating JVMs (two models, a 5632 x 2048 tensor
     * in memory, both cores). The ends' copies are kept now, which costs room only where an end is a value many deltas
     * share: a bracket comes from a sample whose values seldom repeat (else its value is a guess), and a bracket that
     * fills the room falls back to the radix passes.
     * {@link BracketLanes} counts into the arrays; a chunk of deltas in floats is counted here.
     */
    static final class Range implements MagnitudeThresholds.ChunkSink {
        /** Room past the values kept for one store of a vector's lanes (16 floats with AVX-512). */
        static final int SLACK = 64;
        /** A range's first capacity a model. */
        static final int INITIAL = 1024;
        final int[] low;
        final int[] high;
        final long[] above;
        final int[] filled; // per model, how many values lie within its bracket
        private final float[][] kept; // per model, those values, and SLACK floats of room past them; null: no room left
        private final int[] capacity; // per model, the room its array takes: its length, but for a spare's extra floats
        private final AtomicLong[] room;

        private Range(int[] low, int[] high, AtomicLong[] room) {
            this.low = low;
            this.high = high;
            this.above = new long[low.length];
            this.filled = new int[low.length];
            this.capacity = new int[low.length];
            Arrays.fill(capacity, INITIAL);
            this.kept = new float[low.length][];
            Arrays.setAll(kept, m -> Spares.take(INITIAL));
            this.room = room;
        }

        /**
         * Model m's kept values with room for {@code need} of them and SLACK more, grown as needed (by half at least);
         * null where the models' room has none left. Once null, null on: the model is not settled. The room is
         * taken by capacity, as if each array were made to it, so that a spare's extra length settles no model that
         * fresh arrays would not.
         */
        float[] kept(int m, int need) {
            float[] values = kept[m];
            if (values != null && need + SLACK > capacity[m]) {
                long grown = Math.max(need + SLACK, capacity[m] + (long) capacity[m] / 2);
                int length = (int) Math.min(Integer.MAX_VALUE - 8, grown);
                if (room[m].addAndGet(capacity[m] - length) < 0) {
                    Spares.give(values);
                    return kept[m] = null;
                }
                capacity[m] = length;
                if (values.length < length) {
                    float[] larger = Spares.take(length);
                    System.arraycopy(values, 0, larger, 0, filled[m]);
                    Spares.give(values);
                    values = kept[m] = larger;
                }
            }
            return values;
        }

        @Override
        public void accept(int m, float[] delta, int len) {
            int lo = low[m];
            int hi = high[m];
            for (int j = 0; j < len; j++) {
                int magnitude = Float.floatToRawIntBits(delta[j]) & 0x7FFFFFFF;
                above[m] += magnitude > hi ? 1 : 0;
                if (magnitude >= lo && magnitude <= hi) {
                    float[] into = kept(m, filled[m] + 1);
                    if (into != null) {
                        into[filled[m]] = Float.intBitsToFloat(magnitude);
                    }
                    filled[m]++;
                }
            }
        }
    }

    /**
     * Kept-value arrays of earlier tensors, for the next ones' ranges: made anew for each tensor, they were zeroed
     * and then copied as they grew (a range's grew from 1K to 37K floats in three steps on a 5632 x 2048 tensor of
     * deltas that seldom repeat), which took a seventh of the bracket pass's time in a merge, and their garbage most of
     * ties' collections. At most {@link #MAX_FLOATS} floats are kept (32 MiB of heap; a 1.1B merge's two models use
     * about 11 MiB, 7B's MLP tensors 10 MiB), arrays past {@link #MAX_LENGTH} never. An array is given back only once
     * nothing reads it: a range's at its count's {@link #close}, or when it grew into another.
     */
    private static final class Spares {
        static final int MAX_FLOATS = 1 << 23;
        static final int MAX_LENGTH = 1 << 20;
        private static final ArrayDeque<float[]> SPARE = new ArrayDeque<>();
        private static long floats; // in SPARE

        private Spares() {
        }

        /** A spare of at least {@code length} floats (its values are a former tensor's), or a new array. */
        static synchronized float[] take(int length) {
            for (Iterator<float[]> it = SPARE.iterator(); it.hasNext(); ) {
                float[] values = it.next();
                if (values.length >= length) {
                    it.remove();
                    floats -= values.length;
                    return values;
                }
            }
            return new float[length];
        }

        /** Keeps {@code values} (null: none) for a later {@link #take}, where the limits allow. */
        static synchronized void give(float[] values) {
            if (values != null && values.length <= MAX_LENGTH && floats + values.length <= MAX_FLOATS) {
                SPARE.push(values);
                floats += values.length;
            }
        }
    }
}
