package dev.amalgam.safetensors;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The chunk conversions (bulk loops over pairs, written so the JIT vectorizes them) against element-by-element
 * references: the bit layout of bf16 for widening, {@link ScalarNarrowing}'s exact nearest value for rounding, and
 * {@link Float#isFinite}. The values cover every bf16 bit pattern (so every exponent, infinities and NaNs) with the low
 * halves where rounding turns: ties, one either side of them, zero and all ones.
 */
class FloatCodecChunkTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] LOW_HALVES = {0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x1234, 0xC000};

    /** Every high half with each of {@link #LOW_HALVES}, then some random floats, in an order that mixes them. */
    private static float[] values() {
        float[] v = new float[65536 * LOW_HALVES.length + 1001]; // odd: the tail element takes the scalar path
        int n = 0;
        for (int high = 0; high < 65536; high++) {
            for (int low : LOW_HALVES) {
                v[n++] = Float.intBitsToFloat(high << 16 | low);
            }
        }
        Random random = new Random(7);
        while (n < v.length) {
            v[n++] = Float.intBitsToFloat(random.nextInt());
        }
        return v;
    }

    @Test
    void bf16WideningIsTheTopHalfAtAnyOffsetAndLength() {
        Random random = new Random(11);
        short[] bits = new short[70001];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) random.nextInt();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment file = arena.allocate(bits.length * 2L + 1).asSlice(1); // an odd address, as a tensor may start
            MemorySegment.copy(bits, 0, file, SHORT, 0, bits.length);
            FloatCodec.ChunkBuffers buffers = new FloatCodec.ChunkBuffers();
            for (int[] chunk : new int[][]{{0, 16384}, {3, 16383}, {16384, 1}, {50001, 20000}, {7, 0}}) {
                float[] out = new float[chunk[1] + 1];
                out[chunk[1]] = 42f; // past the count: untouched
                FloatCodec.widen(DType.BF16, file, chunk[0], buffers, out, chunk[1]);
                for (int j = 0; j < chunk[1]; j++) {
                    int want = (bits[chunk[0] + j] & 0xFFFF) << 16;
                    assertEquals(want, Float.floatToRawIntBits(out[j]), "element " + (chunk[0] + j));
                }
                assertEquals(42f, out[chunk[1]]);
            }
        }
    }

    @Test
    void bf16NarrowingAndRoundingAreNearestEven() {
        float[] v = values();
        FloatCodec.ChunkBuffers buffers = new FloatCodec.ChunkBuffers();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(v.length * 2L + 1).asSlice(1);
            FloatCodec.narrow(DType.BF16, v, v.length, out);
            float[] rounded = v.clone();
            FloatCodec.round(DType.BF16, rounded, rounded.length, buffers);
            MemorySegment roundedTo = arena.allocate(v.length * 4L + 1).asSlice(1); // another memory than v's, unaligned
            FloatCodec.roundTo(DType.BF16, v, v.length, roundedTo);
            for (int i = 0; i < v.length; i++) {
                float got = FloatCodec.bf16ToFloat(out.getAtIndex(SHORT, i));
                if (Float.isNaN(v[i])) {
                    // a NaN stays NaN, quiet, with its sign and top payload bits
                    int want = (Float.floatToRawIntBits(v[i]) >>> 16 | 0x40) << 16;
                    assertEquals(want, Float.floatToRawIntBits(got), "NaN " + Integer.toHexString(Float.floatToRawIntBits(v[i])));
                } else {
                    float want = ScalarNarrowing.roundTrip(DType.BF16, v[i]);
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "narrow " + v[i]);
                }
                assertEquals(Float.floatToRawIntBits(got), Float.floatToRawIntBits(rounded[i]), "round " + v[i]);
                assertEquals(Float.floatToRawIntBits(got), roundedTo.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i), "roundTo " + v[i]);
            }
        }
    }

    /** The whole-tensor conversions step through chunks: across several of them, every element as the scalar rule. */
    @Test
    void wholeTensorConversionsMatchTheScalarRulesAcrossChunks() {
        float[] v = java.util.Arrays.copyOf(values(), 40_001);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f32 = arena.allocate(v.length * 4L);
            MemorySegment.copy(v, 0, f32, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, v.length);
            for (DType dtype : new DType[]{DType.BF16, DType.F16, DType.F64}) {
                MemorySegment narrow = arena.allocate(v.length * (long) dtype.byteSize());
                FloatCodec.narrowFromF32(dtype, f32, narrow, v.length);
                MemorySegment wide = arena.allocate(v.length * 4L);
                FloatCodec.widenToF32(dtype, narrow, wide, v.length);
                for (int i = 0; i < v.length; i++) {
                    float want = switch (dtype) {
                        case BF16 -> FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(v[i]));
                        case F16 -> Float.float16ToFloat(Float.floatToFloat16(v[i]));
                        default -> v[i];
                    };
                    float got = wide.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i);
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), dtype + " element " + i);
                }
            }
        }
    }

    @Test
    void roundingLeavesTheRestOfTheArrayAlone() {
        float[] v = {1f + 0x1p-8f, 3f, 1f + 3 * 0x1p-8f, 0.1f, 0.2f};
        FloatCodec.round(DType.BF16, v, 3, new FloatCodec.ChunkBuffers());
        assertEquals(1f, v[0]);
        assertEquals(3f, v[1]);
        assertEquals(1f + 0x1p-6f, v[2]);
        assertEquals(0.1f, v[3]);
        assertEquals(0.2f, v[4]);
    }

    @Test
    void nonFiniteCountsNaNsAndInfinitiesOnly() {
        float[] v = values();
        long want = 0;
        for (float f : v) {
            want += Float.isFinite(f) ? 0 : 1;
        }
        assertEquals(want, FloatCodec.nonFinite(v, v.length));
        assertEquals(0, FloatCodec.nonFinite(new float[]{Float.MAX_VALUE, -Float.MIN_VALUE, 0f, Float.NaN}, 3));
    }
}
