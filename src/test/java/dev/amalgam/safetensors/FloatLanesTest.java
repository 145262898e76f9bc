package dev.amalgam.safetensors;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The vector conversions against FloatCodec's plain ones, bit for bit, on every kind of value a merge can make: NaNs
 * of both signs with quiet and signalling payloads, the infinities, signed zeros, subnormals, the largest finite values
 * (which round to infinity in bf16), halfway cases of both parities and random bit patterns.
 */
class FloatLanesTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int N = 64 * FloatLanes.LANES;

    @Test
    void theTestsRunTheLanes() {
        assertTrue(FloatCodec.lanes(), "scripts/jvm-flags adds jdk.incubator.vector, the tests' JVM too");
        assertTrue(FloatLanes.encodes(Encoding.of(DType.BF16)));
        assertTrue(FloatLanes.encodes(new Encoding(DType.BF16, DType.F32)));
        assertFalse(FloatLanes.encodes(new Encoding(DType.F32, DType.BF16)), "rounding fp32 to bf16 is narrowing: not an fp32 rounding");
        assertFalse(FloatLanes.encodes(Encoding.of(DType.F16)));
        assertFalse(FloatLanes.widens(DType.F16));
    }

    @Test
    void widensAsTheScalarCodec() {
        float[] values = values();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bf16 = arena.allocate(2L * N);
            MemorySegment f32 = arena.allocate(4L * N);
            for (int i = 0; i < N; i++) {
                bf16.setAtIndex(FloatCodec.SHORT_LE, i, (short) (Float.floatToRawIntBits(values[i]) >>> 16));
                f32.setAtIndex(F32, i, values[i]);
            }
            float[] lanes = new float[N];
            for (DType dtype : List.of(DType.BF16, DType.F32)) {
                for (int at = 0; at < N; at += FloatLanes.LANES) {
                    FloatLanes.widen(dtype, dtype == DType.BF16 ? bf16 : f32, at).intoArray(lanes, at);
                }
                float[] plain = new float[N];
                FloatCodec.widen(dtype, dtype == DType.BF16 ? bf16 : f32, 0, new FloatCodec.ChunkBuffers(), plain, N);
                assertBitwise(plain, lanes, "widened from " + dtype);
            }
        }
    }

    @Test
    void storesAsTheScalarCodecAndCountsTheNonFiniteValues() {
        float[] values = values();
        int nonFinite = 0;
        for (float v : values) {
            nonFinite += Float.isFinite(v) ? 0 : 1;
        }
        assertTrue(nonFinite > N / 16, "the values hold NaNs and infinities: " + nonFinite);
        for (Encoding encoding : List.of(Encoding.of(DType.BF16), Encoding.of(DType.F32), new Encoding(DType.BF16, DType.F32))) {
            try (Arena arena = Arena.ofConfined()) {
                long bytes = (long) N * encoding.stored().byteSize();
                MemorySegment lanes = arena.allocate(bytes);
                MemorySegment plain = arena.allocate(bytes);
                int counted = 0;
                for (int at = 0; at < N; at += FloatLanes.LANES) {
                    counted += FloatLanes.store(encoding, FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, values, at), lanes, at);
                }
                FloatCodec.encode(encoding, values.clone(), N, plain, new FloatCodec.ChunkBuffers());
                long differs = lanes.mismatch(plain);
                if (differs >= 0) {
                    int element = (int) (differs / encoding.stored().byteSize());
                    fail(encoding + ": element " + element + " (" + Integer.toHexString(Float.floatToRawIntBits(values[element]))
                            + ") is stored unlike the scalar codec's");
                }
                assertEquals(nonFinite, counted, encoding + ": non-finite values");
            }
        }
    }

    /** N values: the special ones first, then random bit patterns (every sixteenth NaN or infinite). */
    private static float[] values() {
        int[] special = {0x7FC00000, 0xFFC00001, 0x7F800001, 0xFF812345, 0x7FFFFFFF, 0x7F800000, 0xFF800000, 0, 0x80000000,
                0x00000001, 0x807FFFFF, 0x00010000, 0x7F7FFFFF, 0xFF7FFFFF, 0x7F7F8000, 0x3F808000, 0x3F818000, 0x3F808001,
                0x3F80FFFF, 0xBF818000, 0x0000FFFF};
        float[] values = new float[N];
        Random random = new Random(11);
        for (int i = 0; i < N; i++) {
            int bits = random.nextInt();
            values[i] = Float.intBitsToFloat(i < special.length ? special[i] : i % 16 == 5 ? bits | 0x7F800000 : bits);
        }
        return values;
    }

    private static void assertBitwise(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " expected " + Integer.toHexString(Float.floatToRawIntBits(expected[i]))
                        + " but was " + Integer.toHexString(Float.floatToRawIntBits(actual[i])));
            }
        }
    }
}
