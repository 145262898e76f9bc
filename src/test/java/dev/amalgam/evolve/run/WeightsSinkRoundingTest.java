package dev.amalgam.evolve.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatCodec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scored values are those a saved file would hold: rounding on the tensor's device equals the writer's codec. */
class WeightsSinkRoundingTest {
    @Test
    void roundsLikeTheSafetensorsWriterForContiguousAndTransposedTensors() {
        SplittableRandom random = new SplittableRandom(7);
        float[] v = new float[6 * 5];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-6, 6)));
        }
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            for (DType dtype : new DType[]{DType.BF16, DType.F16}) {
                NDArray contiguous = m.create(v.clone(), new Shape(6, 5));
                assertArrayEquals(reference(dtype, v), WeightsSink.rounded(dtype, contiguous).toFloatArray(), dtype + " contiguous");
                NDArray transposed = m.create(v.clone(), new Shape(5, 6)).transpose(); // a strided view
                float[] expected = reference(dtype, m.create(v.clone(), new Shape(5, 6)).transpose().duplicate().toFloatArray());
                assertArrayEquals(expected, WeightsSink.rounded(dtype, transposed).toFloatArray(), dtype + " transposed");
            }
        }
    }

    /**
     * The device-side bf16 rounding (fp32 arithmetic, no BFLOAT16 tensor) against the bit-level codec, bit for bit, where
     * rounding is hard: every 8-bit significand with the exact tie below and above it at exponents across the whole range
     * (ties go to even), subnormals, the largest finite values (which round to infinity), signed zeros, infinities.
     */
    @Test
    void bf16RoundingOnTheDeviceEqualsTheCodecBitForBitAtTiesSubnormalsAndRangeEnds() {
        List<Float> values = new ArrayList<>();
        for (int exponent = 0; exponent < 255; exponent += 3) {
            for (int mantissa = 0; mantissa < 128; mantissa++) {
                int bits = exponent << 23 | mantissa << 16;
                for (int low : new int[]{0, 0x7FFF, 0x8000, 0x8001, 0xFFFF}) { // below, at and above the tie
                    values.add(Float.intBitsToFloat(bits | low));
                    values.add(-Float.intBitsToFloat(bits | low));
                }
            }
        }
        for (float special : new float[]{0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 0x1p-133f, 0x1.8p-134f, 0x1p-134f,
                Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0x1p100f, 0x1.ffffp99f}) {
            values.add(special);
        }
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            values.add(Float.intBitsToFloat(random.nextInt()));
        }
        values.removeIf(f -> f.isNaN());
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        // Placed across the first chunk boundary of a [2, CHUNK / 2 + n] tensor (rounded chunk by chunk, in place).
        int n = values.size();
        int at = (int) WeightsSink.CHUNK - n / 2;
        float[] padded = new float[(int) WeightsSink.CHUNK + n + (n % 2 == 0 ? 0 : 1)];
        for (int i = 0; i < n; i++) {
            padded[at + i] = values.get(i);
        }
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            float[] all = WeightsSink.bf16Rounded(m.create(padded, new Shape(2, padded.length / 2))).toFloatArray();
            float[] got = java.util.Arrays.copyOfRange(all, at, at + n);
            float[] expected = reference(DType.BF16, v);
            for (int i = 0; i < v.length; i++) {
                float x = v[i];
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]), () -> "rounding " + Float.toHexString(x));
            }
            float[] nan = WeightsSink.bf16Rounded(m.create(new float[]{Float.NaN})).toFloatArray();
            assertTrue(Float.isNaN(nan[0]), "NaN stays NaN");
        }
    }

    private static float[] reference(DType dtype, float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = dtype == DType.BF16 ? FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(v[i]))
                    : FloatCodec.f16ToFloat(FloatCodec.floatToF16(v[i]));
        }
        return out;
    }
}
