package dev.amalgam.safetensors;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Conversions between the 16-bit float formats and fp32, done in Java because DJL's PyTorch JNI
 * aborts the JVM on BFLOAT16. bf16 is the top half of an fp32; narrowing rounds to nearest even.
 */
public final class FloatCodec {
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble DOUBLE_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Two fp32 read or written as one long, element 2j in the low half: little-endian order (see requireLittleEndian). */
    private static final ValueLayout.OfLong PAIR = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Elements per step of the whole-tensor conversions: a few fp32 rows, in the L2 cache. */
    private static final int CHUNK = 1 << 14;
    /**
     * Whether this JVM reads the Vector API's incubator module ({@code --add-modules=jdk.incubator.vector}, in
     * scripts/jvm-flags): {@link FloatLanes} and the kernels built on it load only then, the plain loops serve otherwise.
     */
    private static final boolean LANES = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private FloatCodec() {
    }

    /** Whether {@link FloatLanes} can be used in this JVM (see {@link #LANES}). */
    public static boolean lanes() {
        return LANES;
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** fp32 to bf16 with round-to-nearest-even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float f) {
        return (short) bf16Bits(Float.floatToRawIntBits(f));
    }

    /**
     * The bf16 bits (in the low 16 bits) of the fp32 {@code bits}, rounded to nearest even; a NaN keeps its top bits
     * and becomes quiet. Branch-free, so that the bulk loops over it vectorize: {@code nan} is all ones for a NaN.
     */
    private static int bf16Bits(int bits) {
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
        int nan = (0x7F800000 - (bits & 0x7FFFFFFF)) >> 31;
        return rounded & ~nan | ((bits >>> 16) | 0x0040) & nan;
    }

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /**
     * Widens {@code n} elements of {@code src} (in {@code dtype}) to little-endian fp32 in {@code dst}, chunk by chunk
     * through {@link #widen}. Only floating types are accepted.
     */
    public static void widenToF32(DType dtype, MemorySegment src, MemorySegment dst, long n) {
        if (dtype == DType.F32) {
            MemorySegment.copy(src, 0, dst, 0, n * 4);
            return;
        }
        inChunks(n, (at, count, chunk, buffers) -> {
            widen(dtype, src, at, buffers, chunk, count);
            MemorySegment.copy(chunk, 0, dst, FLOAT_LE, at * 4, count);
        });
    }

    /** Narrows {@code n} little-endian fp32 values in {@code src} to {@code dtype} in {@code dst}, as {@link #narrow}. */
    public static void narrowFromF32(DType dtype, MemorySegment src, MemorySegment dst, long n) {
        if (dtype == DType.F32) {
            MemorySegment.copy(src, 0, dst, 0, n * 4);
            return;
        }
        inChunks(n, (at, count, chunk, buffers) -> {
            MemorySegment.copy(src, FLOAT_LE, at * 4, chunk, 0, count);
            narrow(dtype, chunk, count, dst.asSlice(at * dtype.byteSize()));
        });
    }

    /** One step of a whole-tensor conversion: elements {@code [at, at + count)} through {@code chunk}. */
    private interface ChunkStep {
        void run(long at, int count, float[] chunk, ChunkBuffers buffers);
    }

    /** Runs {@code step} over {@code n} elements, {@link #CHUNK} at a time, with one chunk array and one set of buffers. */
    private static void inChunks(long n, ChunkStep step) {
        ChunkBuffers buffers = new ChunkBuffers();
        float[] chunk = new float[(int) Math.min(n, CHUNK)];
        for (long at = 0; at < n; at += chunk.length) {
            step.run(at, (int) Math.min(chunk.length, n - at), chunk, buffers);
        }
    }

    /**
     * Widens {@code count} elements of {@code src} (in {@code dtype}) starting at element {@code from} into
     * {@code dst[0..count)}, for kernels that work on one chunk at a time.
     */
    public static void widen(DType dtype, MemorySegment src, long from, ChunkBuffers buffers, float[] dst, int count) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, FLOAT_LE, from * 4, dst, 0, count);
            case BF16 -> {
                // Pairs: each int holds two bf16 (element 2j low); each long, their fp32 bits in the same order, is
                // stored straight into dst's memory. Java cannot reinterpret int bits as a float in a loop that the JIT vectorizes
                // (Float.intBitsToFloat stays scalar, about 3x slower), but a loop storing longs through a segment over
                // the float[] does vectorize: 0.19 ns an element against 0.28 for a long[] and a bulk copy after it.
                int pairs = count >>> 1;
                int[] packed = buffers.ints(pairs);
                MemorySegment.copy(src, INT_LE, from * 2, packed, 0, pairs);
                MemorySegment floats = MemorySegment.ofArray(dst);
                for (int j = 0; j < pairs; j++) {
                    long two = packed[j];
                    floats.set(PAIR, 8L * j, (two & 0xFFFF0000L) << 32 | (two << 16) & 0xFFFF0000L);
                }
                if ((count & 1) != 0) {
                    dst[count - 1] = bf16ToFloat(src.getAtIndex(SHORT_LE, from + count - 1));
                }
            }
            case F16 -> {
                short[] halves = buffers.shorts(count);
                MemorySegment.copy(src, SHORT_LE, from * 2, halves, 0, count);
                for (int i = 0; i < count; i++) {
                    dst[i] = Float.float16ToFloat(halves[i]);
                }
            }
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    dst[i] = (float) src.getAtIndex(DOUBLE_LE, from + i);
                }
            }
            default -> throw new IllegalArgumentException("cannot widen " + dtype + " to F32");
        }
    }

    /**
     * Narrows {@code values[0..count)} to {@code dtype}, little-endian, into {@code dst} (at least {@code count} elements of
     * {@code dtype}); bf16 and f16 round to nearest even.
     */
    public static void narrow(DType dtype, float[] values, int count, MemorySegment dst) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(values, 0, dst, FLOAT_LE, 0, count);
            case BF16 -> {
                // values' fp32 bits read as longs through a segment over the float[] (element 2j low, see widen) and
                // written to dst as ints: a loop the JIT vectorizes, 2x faster than going through long[] and int[] copies
                requireLittleEndian();
                int pairs = count >>> 1;
                MemorySegment floats = MemorySegment.ofArray(values);
                for (int j = 0; j < pairs; j++) {
                    long two = floats.get(PAIR, 8L * j);
                    dst.set(INT_LE, 4L * j, bf16Bits((int) two) & 0xFFFF | bf16Bits((int) (two >>> 32)) << 16);
                }
                if ((count & 1) != 0) {
                    dst.setAtIndex(SHORT_LE, count - 1, floatToBf16(values[count - 1]));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.setAtIndex(SHORT_LE, i, floatToF16(values[i]));
                }
            }
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    dst.setAtIndex(DOUBLE_LE, i, values[i]);
                }
            }
            default -> throw new IllegalArgumentException("cannot narrow F32 to " + dtype);
        }
    }

    /**
     * Rounds {@code values[0..count)} in place to what a file of {@code dtype} would hold (round to nearest even), still
     * fp32.
     */
    public static void round(DType dtype, float[] values, int count, ChunkBuffers buffers) {
        switch (dtype) {
            case F32, F64 -> { }
            case BF16 -> {
                // through long[] and bulk copies: a segment loop that reads and writes the same array is not vectorized
                int words = (count + 1) >>> 1;
                long[] wide = buffers.longs(words);
                MemorySegment.copy(MemorySegment.ofArray(values), 0, MemorySegment.ofArray(wide), 0, (long) count * Float.BYTES);
                for (int j = 0; j < words; j++) {
                    wide[j] = roundedPair(wide[j]);
                }
                MemorySegment.copy(MemorySegment.ofArray(wide), 0, MemorySegment.ofArray(values), 0, (long) count * Float.BYTES);
            }
            default -> roundTo(dtype, values, count, MemorySegment.ofArray(values));
        }
    }

    /**
     * {@code values[0..count)} rounded as {@link #round} rounds them, as little-endian fp32 into {@code dst} (other memory
     * than {@code values}': in place, {@link #round} is faster): one pass, where rounding and then copying took two.
     */
    public static void roundTo(DType dtype, float[] values, int count, MemorySegment dst) {
        switch (dtype) {
            case F32, F64 -> MemorySegment.copy(values, 0, dst, FLOAT_LE, 0, count);
            case BF16 -> {
                requireLittleEndian();
                int pairs = count >>> 1;
                MemorySegment floats = MemorySegment.ofArray(values); // pairs of fp32 read as longs, as in narrow
                for (int j = 0; j < pairs; j++) {
                    dst.set(PAIR, 8L * j, roundedPair(floats.get(PAIR, 8L * j)));
                }
                if ((count & 1) != 0) {
                    dst.setAtIndex(FLOAT_LE, count - 1, bf16ToFloat(floatToBf16(values[count - 1])));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.setAtIndex(FLOAT_LE, i, f16ToFloat(floatToF16(values[i])));
                }
            }
            default -> throw new IllegalArgumentException("cannot round to " + dtype);
        }
    }

    /**
     * {@code values[0..count)} encoded as {@code encoding} into {@code dst} (at least {@code count} elements of its stored
     * type; other memory than {@code values}'): rounded, then narrowed to the stored type. {@code values} may be changed.
     */
    public static void encode(Encoding encoding, float[] values, int count, MemorySegment dst, ChunkBuffers buffers) {
        DType rounded = encoding.rounded();
        DType stored = encoding.stored();
        if (stored == DType.F32) {
            roundTo(rounded, values, count, dst);
            return;
        }
        if (rounded != stored) {
            round(rounded, values, count, buffers);
        }
        narrow(stored, values, count, dst);
    }

    /** Two fp32 (the bits of elements 2j and 2j + 1, 2j low), each rounded to bf16 and back to fp32 bits. */
    private static long roundedPair(long two) {
        return (long) (bf16Bits((int) (two >>> 32)) << 16) << 32 | (bf16Bits((int) two) << 16) & 0xFFFFFFFFL;
    }

    /**
     * How many of {@code values[0..count)} are NaN or infinite, in a loop the JIT vectorizes ({@link Float#isFinite} does
     * not, and cost a merge kernel 10% of its time).
     */
    public static long nonFinite(float[] values, int count) {
        int finite = 0;
        for (int j = 0; j < count; j++) {
            // v - v is +0 for a finite v and NaN for NaN and the infinities; (int) NaN is 0. On the floats, not their
            // bits: no copy to an int[] first (the JIT leaves floatToRawIntBits scalar), and the loop vectorizes.
            finite += (int) ((values[j] - values[j]) + 1f);
        }
        return count - finite;
    }

    /**
     * The bf16 paths read and write fp32 pairs as longs, element 2j in the low half: that is the memory order on a
     * little-endian machine, which x86-64 and the aarch64 ABIs that libtorch runs on are.
     */
    private static void requireLittleEndian() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) { // the pairs would come out swapped, silently
            throw new UnsupportedOperationException("the bf16 conversions need a little-endian machine");
        }
    }

    /** One thread's scratch arrays for the chunk conversions, grown on demand. */
    public static final class ChunkBuffers {
        private short[] shorts = new short[0];
        private int[] ints = new int[0];
        private long[] longs = new long[0];

        public ChunkBuffers() {
            requireLittleEndian();
        }

        short[] shorts(int n) {
            if (shorts.length < n) {
                shorts = new short[n];
            }
            return shorts;
        }

        int[] ints(int n) {
            if (ints.length < n) {
                ints = new int[n];
            }
            return ints;
        }

        long[] longs(int n) {
            if (longs.length < n) {
                longs = new long[n];
            }
            return longs;
        }
    }
}
