package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs merge methods on real DJL tensors the way the kernel does: parameters resolved against the
 * method's specs (defaults filled in), inputs and the result in a per-tensor manager.
 */
final class MergeHarness implements AutoCloseable {
    /** Relative tolerance against the double-precision reference (fp32 math, reductions over ~100 elements). */
    static final double TOLERANCE = 1e-5;

    private final NDManager manager = NDManager.newBaseManager();
    private final Random random;

    MergeHarness(long seed) {
        random = new Random(seed);
    }

    float[] gaussian(int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** Resolves parameters like the kernel: specs of the scope, overrides, defaults; unknown keys fail. */
    static ParameterValues resolve(MergeMethod method, Scope scope, Map<String, ?> overrides, boolean isBase) {
        Map<String, Object> values = new HashMap<>();
        for (ParameterSpec spec : method.parameters()) {
            if (spec.scope() != scope) {
                continue;
            }
            Object value = overrides.containsKey(spec.name()) ? overrides.get(spec.name()) : spec.defaultValue();
            if (value instanceof Integer i) {
                value = i.doubleValue();
            }
            if (value != null) {
                values.put(spec.name(), value);
            } else if (!isBase) {
                fail(method.name() + ": required parameter " + spec.name() + " missing");
            }
        }
        for (String key : overrides.keySet()) {
            if (method.parameters().stream().noneMatch(s -> s.name().equals(key) && s.scope() == scope)) {
                fail(method.name() + " has no " + scope + " parameter " + key);
            }
        }
        return ParameterValues.of(values);
    }

    ModelTensor model(MergeMethod method, int index, float[] values, long[] shape, Map<String, ?> params) {
        return new ModelTensor(index, manager.create(values, new Shape(shape)),
                resolve(method, Scope.PER_MODEL, params, false));
    }

    ModelTensor base(MergeMethod method, int index, float[] values, long[] shape) {
        return new ModelTensor(index, manager.create(values, new Shape(shape)),
                resolve(method, Scope.PER_MODEL, Map.of(), true));
    }

    /** Merges in a fresh per-tensor manager that owns the inputs, like the kernel, and returns the values. */
    static float[] merge(MergeMethod method, String tensorName, ModelTensor base, List<ModelTensor> models,
                         Map<String, ?> global, long seed) {
        try (NDManager tensorManager = NDManager.newBaseManager()) {
            ModelTensor b = base == null ? null : copyInto(tensorManager, base);
            List<ModelTensor> ms = models.stream().map(m -> copyInto(tensorManager, m)).toList();
            TensorMergeContext ctx = new TensorMergeContext(tensorManager, tensorName, b, ms,
                    resolve(method, Scope.GLOBAL, global, false), seed);
            NDArray result = method.merge(ctx);
            Shape expected = (b == null ? ms.getFirst() : b).tensor().getShape();
            assertEquals(expected, result.getShape(), method.name() + ": result shape");
            return result.toFloatArray();
        }
    }

    private static ModelTensor copyInto(NDManager target, ModelTensor m) {
        return new ModelTensor(m.modelIndex(), target.create(m.tensor().toFloatArray(), m.tensor().getShape()),
                m.params());
    }

    static float[] merge(MergeMethod method, ModelTensor base, List<ModelTensor> models, Map<String, ?> global) {
        return merge(method, "model.layers.0.mlp.down_proj.weight", base, models, global, 42L);
    }

    /** |actual - expected| <= tolerance * max(|expected|, rms(expected)) element-wise. */
    static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double rms = Math.sqrt(Arrays.stream(expected).map(v -> v * v).sum() / Math.max(1, expected.length));
        for (int i = 0; i < expected.length; i++) {
            double allowed = tolerance * Math.max(Math.abs(expected[i]), rms) + 1e-30;
            assertTrue(Double.isFinite(actual[i]), what + ": element " + i + " is " + actual[i]);
            if (Math.abs(actual[i] - expected[i]) > allowed) {
                fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]
                        + " (allowed " + allowed + ")");
            }
        }
    }

    static void assertClose(double[] expected, float[] actual, String what) {
        assertClose(expected, actual, TOLERANCE, what);
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        assertClose(ScalarReference.toDouble(expected), actual, TOLERANCE, what);
    }

    /** The same input for the scalar reference, with the resolved (defaulted) numeric parameters. */
    static ScalarReference.Model ref(ModelTensor m) {
        Map<String, Double> p = new HashMap<>();
        m.params().values().forEach((k, v) -> {
            if (v instanceof Double d) {
                p.put(k, d);
            }
        });
        return new ScalarReference.Model(m.modelIndex(), m.tensor().toFloatArray(), p);
    }

    static List<ScalarReference.Model> refs(List<ModelTensor> models) {
        return models.stream().map(MergeHarness::ref).toList();
    }

    static float[] values(ModelTensor m) {
        return m.tensor().toFloatArray();
    }

    @Override
    public void close() {
        manager.close();
    }
}
