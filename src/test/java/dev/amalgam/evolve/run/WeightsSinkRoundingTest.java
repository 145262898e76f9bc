package dev.amalgam.evolve.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatCodec;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The scored values are those a saved file would hold: rounding without a host copy equals the writer's codec. */
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

    private static float[] reference(DType dtype, float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = dtype == DType.BF16 ? FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(v[i]))
                    : FloatCodec.f16ToFloat(FloatCodec.floatToF16(v[i]));
        }
        return out;
    }
}
