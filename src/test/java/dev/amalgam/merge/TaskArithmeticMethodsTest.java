package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import dev.amalgam.merge.ScalarReference.Sparsify;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.amalgam.merge.MergeHarness.assertClose;
import static dev.amalgam.merge.MergeHarness.merge;
import static dev.amalgam.merge.MergeHarness.refs;
import static dev.amalgam.merge.MergeHarness.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The eight generalised task-arithmetic methods and sce against {@link ScalarReference}. */
class TaskArithmeticMethodsTest {
    private static final long[] SHAPE = {6, 10}; // [rows, cols]
    private static final int[] INT_SHAPE = {6, 10};
    private static final int NUMEL = 60;

    private final MergeHarness h = new MergeHarness(11);

    @AfterEach
    void close() {
        h.close();
    }

    /** A method with the reference's description of it. */
    record Case(MergeMethod method, Sparsify sparsify, boolean consensus) {
        @Override
        public String toString() {
            return method.name();
        }
    }

    static Stream<Case> family() {
        return Stream.of(
                new Case(MergeMethods.byName("task_arithmetic", "test"), Sparsify.NONE, false),
                new Case(MergeMethods.byName("ties", "test"), Sparsify.MAGNITUDE, true),
                new Case(MergeMethods.byName("dare_ties", "test"), Sparsify.RANDOM, true),
                new Case(MergeMethods.byName("dare_linear", "test"), Sparsify.RANDOM, false),
                new Case(MergeMethods.byName("breadcrumbs", "test"), Sparsify.OUTLIERS, false),
                new Case(MergeMethods.byName("breadcrumbs_ties", "test"), Sparsify.OUTLIERS, true),
                new Case(MergeMethods.byName("della", "test"), Sparsify.DELLA, true),
                new Case(MergeMethods.byName("della_linear", "test"), Sparsify.DELLA, false));
    }

    /** Parameter settings: per-model weights and densities, then global overrides. */
    static Stream<Arguments> settings() {
        List<Arguments> out = new ArrayList<>();
        family().forEach(c -> {
            out.add(Arguments.of(c, new double[]{0.6, 0.4}, new double[]{0.5, 0.3}, Map.of()));
            out.add(Arguments.of(c, new double[]{1.0, -0.5, 0.7}, new double[]{0.7, 0.4, 0.6},
                    Map.of("normalize", true, "rescale", false)));
            out.add(Arguments.of(c, new double[]{0.3, 0.9}, new double[]{0.35, 0.65},
                    Map.of("normalize", false, "rescale", true, "lambda", 0.8)));
            out.add(Arguments.of(c, new double[]{1.2, 0.8}, new double[]{1.0, 0.5}, Map.of("int8_mask", true)));
        });
        return out.stream();
    }

    @ParameterizedTest(name = "{0} w={1} d={2} {3}")
    @MethodSource("settings")
    void matchesReference(Case c, double[] weights, double[] densities, Map<String, Object> global) {
        MergeMethod m = c.method();
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        List<ModelTensor> models = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            float[] x = perturbed(values(base), 0.2f);
            models.add(h.model(m, i + 1, x, SHAPE, Map.of("weight", weights[i], "density", densities[i])));
        }
        assertMatches(c, base, models, INT_SHAPE, global, "model.layers.3.self_attn.q_proj.weight");
    }

    private void assertMatches(Case c, ModelTensor base, List<ModelTensor> models, int[] shape,
                               Map<String, Object> global, String tensorName) {
        MergeMethod m = c.method();
        ParameterValues g = MergeHarness.resolve(m, ParameterSpec.Scope.GLOBAL, global, false);
        float[] actual = merge(m, tensorName, base, models, global, 1234L);
        double[] expected = ScalarReference.taskArithmetic(c.sparsify(), c.consensus(), values(base), refs(models),
                shape, g.flag("normalize"), g.flag("rescale"), g.number("lambda"), 1234L, tensorName);
        assertClose(expected, actual, m.name() + " " + global);
    }

    private float[] perturbed(float[] base, float scale) {
        float[] noise = h.gaussian(base.length);
        float[] x = new float[base.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = base[i] + scale * noise[i];
        }
        return x;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("family")
    void allZeroDeltasReturnTheBase(Case c) {
        MergeMethod m = c.method();
        float[] b = h.gaussian(NUMEL);
        ModelTensor base = h.base(m, 0, b, SHAPE);
        List<ModelTensor> models = List.of(h.model(m, 1, b.clone(), SHAPE, Map.of("weight", 0.5, "density", 0.5)),
                h.model(m, 2, b.clone(), SHAPE, Map.of("weight", 0.5, "density", 0.4)));
        assertArrayEquals(b, merge(m, base, models, Map.of()), m.name());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("family")
    void densityZeroKeepsNothingExceptWithoutSparsification(Case c) {
        MergeMethod m = c.method();
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        List<ModelTensor> models = List.of(h.model(m, 1, h.gaussian(NUMEL), SHAPE, Map.of("weight", 0.8, "density", 0.0)),
                h.model(m, 2, h.gaussian(NUMEL), SHAPE, Map.of("weight", 0.4, "density", 0.0)));
        float[] actual = merge(m, base, models, Map.of());
        assertEquals(c.sparsify() != Sparsify.NONE, Arrays.equals(values(base), actual), m.name());
        assertMatches(c, base, models, INT_SHAPE, Map.of(), "model.layers.0.mlp.down_proj.weight");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.01, 1.0})
    void tiesDensityZeroTinyAndOne(double density) {
        // density 0.01 on 60 elements gives k = 0: no crash, the delta is zero
        Case c = new Case(MergeMethods.byName("ties", "test"), Sparsify.MAGNITUDE, true);
        ModelTensor base = h.base(c.method(), 0, h.gaussian(NUMEL), SHAPE);
        List<ModelTensor> models = List.of(
                h.model(c.method(), 1, h.gaussian(NUMEL), SHAPE, Map.of("weight", 0.5, "density", density)),
                h.model(c.method(), 2, h.gaussian(NUMEL), SHAPE, Map.of("weight", 0.5, "density", density)));
        float[] actual = merge(c.method(), base, models, Map.of());
        if (density < 1.0 / NUMEL) {
            assertArrayEquals(values(base), actual);
        }
        assertMatches(c, base, models, INT_SHAPE, Map.of(), "model.layers.0.mlp.down_proj.weight");
    }

    @Test
    void breadcrumbsWithGammaTimesNumelBelowOneKeepsTheTop() {
        // gamma*numel = 0.6 -> n_top = 0: mergekit zeroes the delta here, Amalgam keeps the largest half
        Case c = new Case(MergeMethods.byName("breadcrumbs", "test"), Sparsify.OUTLIERS, false);
        ModelTensor base = h.base(c.method(), 0, h.gaussian(NUMEL), SHAPE);
        ModelTensor x = h.model(c.method(), 1, h.gaussian(NUMEL), SHAPE,
                Map.of("weight", 1.0, "density", 0.5, "gamma", 0.01));
        float[] actual = merge(c.method(), base, List.of(x), Map.of());
        float[] b = values(base);
        float[] xs = values(x);
        int changed = 0;
        for (int i = 0; i < NUMEL; i++) {
            if (actual[i] != b[i]) {
                changed++;
                assertClose(new double[]{xs[i]}, new float[]{actual[i]}, "kept element " + i);
            }
        }
        assertTrue(changed == NUMEL / 2, "kept " + changed);
        assertMatches(c, base, List.of(x), INT_SHAPE, Map.of(), "model.layers.0.mlp.down_proj.weight");
    }

    @Test
    void breadcrumbsDropsTheOutliers() {
        Case c = new Case(MergeMethods.byName("breadcrumbs_ties", "test"), Sparsify.OUTLIERS, true);
        ModelTensor base = h.base(c.method(), 0, h.gaussian(NUMEL), SHAPE);
        ModelTensor x = h.model(c.method(), 1, h.gaussian(NUMEL), SHAPE,
                Map.of("weight", 1.0, "density", 0.5, "gamma", 0.1)); // n_top = 6
        float[] actual = merge(c.method(), base, List.of(x), Map.of());
        float[] b = values(base);
        float[] xs = values(x);
        float[] magnitude = new float[NUMEL];
        for (int i = 0; i < NUMEL; i++) {
            magnitude[i] = Math.abs(xs[i] - b[i]);
        }
        float[] sorted = magnitude.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < NUMEL; i++) {
            boolean outlier = magnitude[i] >= sorted[NUMEL - 6];
            if (outlier) {
                assertTrue(actual[i] == b[i], "outlier " + i + " must be dropped");
            }
        }
        assertMatches(c, base, List.of(x), INT_SHAPE, Map.of(), "t");
    }

    @ParameterizedTest
    @ValueSource(strings = {"della", "della_linear"})
    void dellaRowsOfLengthOneKeepWithTheDensity(String name) {
        Case c = family().filter(f -> f.method().name().equals(name)).findFirst().orElseThrow();
        long[] shape = {40, 1};
        ModelTensor base = h.base(c.method(), 0, h.gaussian(40), shape);
        List<ModelTensor> models = List.of(
                h.model(c.method(), 1, h.gaussian(40), shape, Map.of("weight", 0.7, "density", 0.5)),
                h.model(c.method(), 2, h.gaussian(40), shape, Map.of("weight", 0.3, "density", 0.6)));
        float[] actual = merge(c.method(), base, models, Map.of());
        for (float v : actual) {
            assertTrue(Float.isFinite(v));
        }
        assertMatches(c, base, models, new int[]{40, 1}, Map.of(), "model.layers.0.mlp.down_proj.weight");
    }

    @Test
    void dellaOn1dTensorIsOneRow() {
        Case c = new Case(MergeMethods.byName("della", "test"), Sparsify.DELLA, true);
        long[] shape = {50};
        ModelTensor base = h.base(c.method(), 0, h.gaussian(50), shape);
        List<ModelTensor> models = List.of(
                h.model(c.method(), 1, h.gaussian(50), shape, Map.of("weight", 0.7, "density", 0.5)),
                h.model(c.method(), 2, h.gaussian(50), shape, Map.of("weight", 0.3, "density", 0.4)));
        assertMatches(c, base, models, new int[]{50}, Map.of(), "model.norm.weight");
    }

    @Test
    void dellaRejectsDensityTooCloseToItsBounds() {
        MergeMethod m = MergeMethods.byName("della", "test");
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        ModelTensor x = h.model(m, 1, h.gaussian(NUMEL), SHAPE, Map.of("weight", 1.0, "density", 0.9));
        BadInputException e = assertThrows(BadInputException.class, () -> merge(m, base, List.of(x), Map.of()));
        assertTrue(e.getMessage().contains("epsilon") && e.getMessage().contains("down_proj"), e.getMessage());
    }

    // ------------------------------------------------------------------ reproducible random masks

    @ParameterizedTest
    @ValueSource(strings = {"dare_ties", "dare_linear", "della", "della_linear"})
    void randomMasksAreReproducibleAndPerTensor(String name) {
        MergeMethod m = MergeMethods.byName(name, "test");
        assertTrue(m.isRandom());
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        List<ModelTensor> models = List.of(
                h.model(m, 1, h.gaussian(NUMEL), SHAPE, Map.of("weight", 0.5, "density", 0.5)),
                h.model(m, 2, h.gaussian(NUMEL), SHAPE, Map.of("weight", 0.5, "density", 0.5)));
        float[] a1 = merge(m, "a", base, models, Map.of(), 7L);
        float[] b1 = merge(m, "b", base, models, Map.of(), 7L);
        // reverse order of execution: the same results
        float[] b2 = merge(m, "b", base, models, Map.of(), 7L);
        float[] a2 = merge(m, "a", base, models, Map.of(), 7L);
        assertArrayEquals(a1, a2);
        assertArrayEquals(b1, b2);
        assertFalse(Arrays.equals(a1, b1), "another tensor name must draw another mask");
        assertFalse(Arrays.equals(a1, merge(m, "a", base, models, Map.of(), 8L)), "another seed, another mask");
    }

    @Test
    void deterministicMethodsAreNotRandom() {
        for (MergeMethod m : MergeMethods.all()) {
            boolean random = Set.of("dare_ties", "dare_linear", "della", "della_linear", "arcee_fusion").contains(m.name());
            assertTrue(m.isRandom() == random, m.name());
        }
    }

    // ------------------------------------------------------------------ sce

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 0.5, 0.1, 0.01})
    void sceMatchesReference(double topk) {
        MergeMethod m = new SceMerge();
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        List<ModelTensor> models = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            float[] x = perturbed(values(base), 0.1f * (i + 1));
            inputs.add(x);
            models.add(h.model(m, i + 1, x, SHAPE, Map.of()));
        }
        float[] actual = merge(m, base, models, Map.of("select_topk", topk));
        assertClose(ScalarReference.sce(values(base), inputs, topk), actual, "sce topk=" + topk);
        if (topk == 0.01) { // k = floor(60*0.01) = 0: nothing selected, the base comes back
            assertArrayEquals(values(base), actual);
        }
    }
}
