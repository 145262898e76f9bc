package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static dev.amalgam.merge.MergeHarness.assertClose;
import static dev.amalgam.merge.MergeHarness.merge;
import static dev.amalgam.merge.MergeHarness.ref;
import static dev.amalgam.merge.MergeHarness.refs;
import static dev.amalgam.merge.MergeHarness.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** linear, slerp, nuslerp, multislerp, karcher, model_stock and passthrough against {@link ScalarReference}. */
class InterpolationMethodsTest {
    private static final long[] SHAPE = {6, 8}; // [rows, cols]
    private static final int[] INT_SHAPE = {6, 8};
    private static final int NUMEL = 48;

    private final MergeHarness h = new MergeHarness(7);

    @AfterEach
    void close() {
        h.close();
    }

    // ------------------------------------------------------------------ linear

    @ParameterizedTest
    @CsvSource({"0.3, 0.7, 0.0, true", "1.5, -0.5, 0.0, false", "0.2, 0.5, 0.9, true", "-1.0, 2.5, 0.25, false"})
    void linearMatchesReference(double w0, double w1, double w2, boolean normalize) {
        MergeMethod m = new LinearMerge();
        List<ModelTensor> models = List.of(
                h.model(m, 0, h.gaussian(NUMEL), SHAPE, Map.of("weight", w0)),
                h.model(m, 1, h.gaussian(NUMEL), SHAPE, Map.of("weight", w1)),
                h.model(m, 2, h.gaussian(NUMEL), SHAPE, Map.of("weight", w2)));
        float[] actual = merge(m, null, models, Map.of("normalize", normalize));
        assertClose(ScalarReference.linear(refs(models), normalize), actual, "linear");
    }

    @Test
    void linearWeightsOneAndZeroReturnTheFirstInput() {
        MergeMethod m = new LinearMerge();
        ModelTensor first = h.model(m, 0, h.gaussian(NUMEL), SHAPE, Map.of("weight", 1.0));
        ModelTensor second = h.model(m, 1, h.gaussian(NUMEL), SHAPE, Map.of("weight", 0.0));
        for (boolean normalize : new boolean[]{true, false}) {
            assertArrayEquals(values(first), merge(m, null, List.of(first, second), Map.of("normalize", normalize)));
        }
    }

    // ------------------------------------------------------------------ slerp

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.3, 0.5, 0.85, 1.0})
    void slerpMatchesReference(double t) {
        MergeMethod m = new SlerpMerge();
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        ModelTensor other = h.model(m, 1, h.gaussian(NUMEL), SHAPE, Map.of());
        float[] actual = merge(m, base, List.of(other), Map.of("t", t));
        assertClose(ScalarReference.slerp(values(base), values(other), t), actual, "slerp t=" + t);
    }

    @ParameterizedTest
    @ValueSource(doubles = {2.5, -1.0})
    void slerpOfColinearTensorsIsLerp(double factor) {
        MergeMethod m = new SlerpMerge();
        float[] b = h.gaussian(NUMEL);
        float[] x = new float[NUMEL];
        double[] lerp = new double[NUMEL];
        double t = 0.3;
        for (int i = 0; i < NUMEL; i++) {
            x[i] = (float) (factor * b[i]);
            lerp[i] = (1 - t) * b[i] + t * x[i];
        }
        float[] actual = merge(m, h.base(m, 0, b, SHAPE), List.of(h.model(m, 1, x, SHAPE, Map.of())), Map.of("t", t));
        assertClose(lerp, actual, "colinear slerp");
        assertClose(ScalarReference.slerp(b, x, t), actual, "colinear slerp reference");
    }

    @Test
    void slerpWithAZeroBaseUsesTheUnnormalisedBase() {
        MergeMethod m = new SlerpMerge();
        float[] zero = new float[NUMEL];
        float[] x = h.gaussian(NUMEL);
        float[] actual = merge(m, h.base(m, 0, zero, SHAPE), List.of(h.model(m, 1, x, SHAPE, Map.of())), Map.of("t", 0.4));
        assertClose(ScalarReference.slerp(zero, x, 0.4), actual, "slerp zero base");
    }

    // ------------------------------------------------------------------ nuslerp

    @ParameterizedTest
    @CsvSource({"0.3, 0.7, true, false, true", "0.3, 0.7, false, false, true", "0.5, 0.5, false, true, true",
            "1.0, 2.0, false, false, false", "1.0, 3.0, true, false, false", "2.0, -2.0, false, true, false"})
    void nuslerpMatchesReference(double w1, double w2, boolean flatten, boolean rowWise, boolean withBase) {
        MergeMethod m = new NuslerpMerge();
        ModelTensor base = withBase ? h.base(m, 0, h.gaussian(NUMEL), SHAPE) : null;
        ModelTensor a = h.model(m, 1, h.gaussian(NUMEL), SHAPE, Map.of("weight", w1));
        ModelTensor b = h.model(m, 2, h.gaussian(NUMEL), SHAPE, Map.of("weight", w2));
        float[] actual = merge(m, base, List.of(a, b), Map.of("nuslerp_flatten", flatten, "nuslerp_row_wise", rowWise));
        double[] expected = ScalarReference.nuslerp(base == null ? null : values(base), ref(a), ref(b), INT_SHAPE,
                flatten, rowWise);
        assertClose(expected, actual, "nuslerp");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void nuslerpOn3dTensorsUsesTheRightAxis(boolean rowWise) {
        MergeMethod m = new NuslerpMerge();
        long[] shape = {3, 4, 5};
        ModelTensor a = h.model(m, 0, h.gaussian(60), shape, Map.of("weight", 0.4));
        ModelTensor b = h.model(m, 1, h.gaussian(60), shape, Map.of("weight", 0.6));
        float[] actual = merge(m, null, List.of(a, b), Map.of("nuslerp_flatten", false, "nuslerp_row_wise", rowWise));
        assertClose(ScalarReference.nuslerp(null, ref(a), ref(b), new int[]{3, 4, 5}, false, rowWise), actual, "3-D");
    }

    @Test
    void nuslerpOn1dAndColinearRowsFallsBackToLerp() {
        MergeMethod m = new NuslerpMerge();
        float[] x = h.gaussian(9);
        float[] y = new float[9];
        for (int i = 0; i < 9; i++) {
            y[i] = 3 * x[i];
        }
        ModelTensor a = h.model(m, 0, x, new long[]{9}, Map.of("weight", 0.25));
        ModelTensor b = h.model(m, 1, y, new long[]{9}, Map.of("weight", 0.75));
        float[] actual = merge(m, null, List.of(a, b), Map.of("nuslerp_flatten", false));
        double[] lerp = new double[9];
        for (int i = 0; i < 9; i++) {
            lerp[i] = 0.25 * x[i] + 0.75 * y[i];
        }
        assertClose(lerp, actual, "colinear nuslerp");
        assertClose(ScalarReference.nuslerp(null, ref(a), ref(b), new int[]{9}, false, false), actual, "nuslerp 1-D");
    }

    // ------------------------------------------------------------------ multislerp

    @ParameterizedTest
    @CsvSource({"true, true, 2", "true, false, 3", "false, true, 3", "false, false, 2"})
    void multislerpMatchesReference(boolean withBase, boolean normalizeWeights, int count) {
        MergeMethod m = new MultislerpMerge();
        ModelTensor base = withBase ? h.base(m, 0, h.gaussian(NUMEL), SHAPE) : null;
        double[] weights = {0.5, 0.3, 0.4};
        List<ModelTensor> models = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            models.add(h.model(m, i + 1, h.gaussian(NUMEL), SHAPE, Map.of("weight", weights[i])));
        }
        float[] actual = merge(m, base, models, Map.of("normalize_weights", normalizeWeights));
        double[] expected = ScalarReference.multislerp(base == null ? null : values(base), refs(models),
                normalizeWeights, 1e-8);
        assertClose(expected, actual, "multislerp");
    }

    @Test
    void multislerpOfTwoAntipodalInputsIsTheirWeightedSum() {
        MergeMethod m = new MultislerpMerge();
        float[] x = h.gaussian(NUMEL);
        float[] minusX = new float[NUMEL];
        for (int i = 0; i < NUMEL; i++) {
            minusX[i] = -x[i];
        }
        List<ModelTensor> models = List.of(h.model(m, 0, x, SHAPE, Map.of("weight", 1.0)),
                h.model(m, 1, minusX, SHAPE, Map.of("weight", 1.0)));
        float[] actual = merge(m, null, models, Map.of());
        assertClose(new double[NUMEL], actual, 1e-6, "antipodal pair");
        assertClose(ScalarReference.multislerp(null, refs(models), true, 1e-8), actual, "antipodal pair reference");
    }

    @Test
    void multislerpOfThreeAntipodalInputsIsAnError() {
        MergeMethod m = new MultislerpMerge();
        float[] x = h.gaussian(NUMEL);
        float[] minusX = new float[NUMEL];
        for (int i = 0; i < NUMEL; i++) {
            minusX[i] = -x[i];
        }
        List<ModelTensor> models = List.of(h.model(m, 0, x, SHAPE, Map.of("weight", 1.0)),
                h.model(m, 1, minusX, SHAPE, Map.of("weight", 1.0)),
                h.model(m, 2, h.gaussian(NUMEL), SHAPE, Map.of("weight", 0.0)));
        BadInputException e = assertThrows(BadInputException.class, () -> merge(m, null, models, Map.of()));
        assertTrue(e.getMessage().contains("antipodal") && e.getMessage().contains("down_proj"), e.getMessage());
    }

    // ------------------------------------------------------------------ karcher

    @ParameterizedTest
    @CsvSource({"2, 10", "3, 10", "4, 50", "3, 1"})
    void karcherMatchesReference(int count, int maxIter) {
        MergeMethod m = new KarcherMerge();
        List<ModelTensor> models = new java.util.ArrayList<>();
        List<float[]> inputs = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] x = h.gaussian(NUMEL);
            inputs.add(x);
            models.add(h.model(m, i, x, SHAPE, Map.of()));
        }
        float[] actual = merge(m, null, models, Map.of("max_iter", maxIter));
        assertClose(ScalarReference.karcher(inputs, maxIter, 1e-5), actual, "karcher");
    }

    @Test
    void karcherIgnoresTheDirectionOfAZeroInputButCountsItInTheScale() {
        MergeMethod m = new KarcherMerge();
        float[] x = h.gaussian(NUMEL);
        float[] y = h.gaussian(NUMEL);
        float[] zero = new float[NUMEL];
        List<ModelTensor> models = List.of(h.model(m, 0, x, SHAPE, Map.of()), h.model(m, 1, y, SHAPE, Map.of()),
                h.model(m, 2, zero, SHAPE, Map.of()));
        float[] actual = merge(m, null, models, Map.of());
        assertClose(ScalarReference.karcher(List.of(x, y, zero), 10, 1e-5), actual, "karcher with a zero input");
    }

    // ------------------------------------------------------------------ model_stock

    @ParameterizedTest
    @CsvSource({"2, false", "2, true", "3, false", "4, true"})
    void modelStockMatchesReference(int count, boolean filterWise) {
        MergeMethod m = new ModelStockMerge();
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        List<ModelTensor> models = new java.util.ArrayList<>();
        List<float[]> inputs = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            // fine-tunes near the base, so the offsets' cosines are not all tiny
            float[] shared = h.gaussian(NUMEL);
            float[] x = new float[NUMEL];
            for (int j = 0; j < NUMEL; j++) {
                x[j] = values(base)[j] + 0.1f * shared[j] + 0.05f * (i + 1);
            }
            inputs.add(x);
            models.add(h.model(m, i + 1, x, SHAPE, Map.of()));
        }
        float[] actual = merge(m, base, models, Map.of("filter_wise", filterWise));
        assertClose(ScalarReference.modelStock(values(base), inputs, INT_SHAPE, filterWise), actual, "model_stock");
    }

    @Test
    void modelStockOn1dFilterWiseIsOneRow() {
        MergeMethod m = new ModelStockMerge();
        long[] shape = {10};
        ModelTensor base = h.base(m, 0, h.gaussian(10), shape);
        float[] x = h.gaussian(10);
        float[] y = h.gaussian(10);
        float[] actual = merge(m, base, List.of(h.model(m, 1, x, shape, Map.of()), h.model(m, 2, y, shape, Map.of())),
                Map.of("filter_wise", true));
        assertClose(ScalarReference.modelStock(values(base), List.of(x, y), new int[]{10}, true), actual, "1-D");
    }

    @Test
    void modelStockWithOneFineTunedModelIsAnError() {
        MergeMethod m = new ModelStockMerge();
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        ModelTensor x = h.model(m, 1, h.gaussian(NUMEL), SHAPE, Map.of());
        BadInputException e = assertThrows(BadInputException.class, () -> merge(m, base, List.of(x), Map.of()));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
    }

    // ------------------------------------------------------------------ passthrough

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 0.5, -2.0})
    void passthroughScales(double scale) {
        MergeMethod m = new PassthroughMerge();
        ModelTensor x = h.model(m, 0, h.gaussian(NUMEL), SHAPE, Map.of("scale", scale));
        assertClose(ScalarReference.passthrough(values(x), scale), merge(m, null, List.of(x), Map.of()), "passthrough");
    }
}
