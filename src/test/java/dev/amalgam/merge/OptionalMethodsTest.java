package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.amalgam.merge.MergeHarness.assertClose;
import static dev.amalgam.merge.MergeHarness.merge;
import static dev.amalgam.merge.MergeHarness.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ram, ramplus_tl, nearswap and arcee_fusion against {@link ScalarReference}. */
class OptionalMethodsTest {
    private static final long[] SHAPE = {6, 8}; // [rows, cols]
    private static final int NUMEL = 48;

    private final MergeHarness h = new MergeHarness(13);

    @AfterEach
    void close() {
        h.close();
    }

    /** Deltas with about a third of the entries inactive (|delta| below epsilon), so some positions are unique. */
    private float[] sparseFineTune(float[] base, double epsilon) {
        float[] noise = h.gaussian(base.length);
        float[] x = base.clone();
        for (int i = 0; i < x.length; i++) {
            x[i] += Math.abs(noise[i]) < 0.45 ? (float) (epsilon * 0.1) : 0.1f * noise[i];
        }
        return x;
    }

    @ParameterizedTest
    @CsvSource({"ram, 2, 1e-5", "ram, 3, 0.001", "ramplus_tl, 2, 1e-5", "ramplus_tl, 3, 0.001"})
    void ramMatchesReference(String name, int count, double epsilon) {
        MergeMethod m = MergeMethods.byName(name, "test");
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        List<ModelTensor> models = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] x = sparseFineTune(values(base), epsilon);
            inputs.add(x);
            models.add(h.model(m, i + 1, x, SHAPE, Map.of()));
        }
        boolean plus = name.equals("ramplus_tl");
        Map<String, Object> global = plus ? Map.of("epsilon", epsilon, "r", 0.5, "alpha", 0.7) : Map.of("epsilon", epsilon);
        float[] actual = merge(m, base, models, global);
        assertClose(ScalarReference.ram(values(base), inputs, epsilon, plus, 0.5, 0.7), actual, name);
    }

    @Test
    void ramTakesUniqueDeltasWholeAndAveragesSharedOnes() {
        MergeMethod m = new RamMerge();
        long[] shape = {3};
        ModelTensor base = h.base(m, 0, new float[]{0, 0, 0}, shape);
        List<ModelTensor> models = List.of(h.model(m, 1, new float[]{1, 2, 0}, shape, Map.of()),
                h.model(m, 2, new float[]{3, 0, 0}, shape, Map.of()));
        assertArrayEquals(new float[]{2, 2, 0}, merge(m, base, models, Map.of()));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.01, 0.3, 2.0})
    void nearswapMatchesReference(double t) {
        MergeMethod m = new NearswapMerge();
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        float[] x = h.gaussian(NUMEL);
        x[3] = values(base)[3]; // identical element: the other model takes over
        float[] actual = merge(m, base, List.of(h.model(m, 1, x, SHAPE, Map.of())), Map.of("t", t));
        assertClose(ScalarReference.nearswap(values(base), x, t), actual, "nearswap t=" + t);
        assertEquals(x[3], actual[3]);
    }

    @Test
    void nearswapRejectsNonPositiveT() {
        MergeMethod m = new NearswapMerge();
        ModelTensor base = h.base(m, 0, h.gaussian(NUMEL), SHAPE);
        ModelTensor x = h.model(m, 1, h.gaussian(NUMEL), SHAPE, Map.of());
        BadInputException e = assertThrows(BadInputException.class, () -> merge(m, base, List.of(x), Map.of("t", 0.0)));
        assertTrue(e.getMessage().contains("t > 0"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"6, 8", "1, 40", "12, 5"})
    void arceeFusionMatchesReference(int rows, int cols) {
        MergeMethod m = new ArceeFusionMerge();
        long[] shape = {rows, cols};
        ModelTensor base = h.base(m, 0, h.gaussian(rows * cols), shape);
        float[] x = h.gaussian(rows * cols);
        float[] actual = merge(m, base, List.of(h.model(m, 1, x, shape, Map.of())), Map.of());
        ScalarReference.Fusion expected = ScalarReference.arceeFusion(values(base), x, new int[]{rows, cols}, null);
        assertClose(expected.result(), actual, "arcee_fusion");
        long kept = 0;
        for (int i = 0; i < actual.length; i++) {
            kept += actual[i] == x[i] ? 1 : 0;
        }
        assertTrue(kept > 0 && kept < actual.length, "kept " + kept + " of " + actual.length);
    }

    @Test
    void arceeFusionSubsamplesLargeTensorsReproducibly() {
        MergeMethod m = new ArceeFusionMerge();
        int rows = 1001;
        int cols = 1000; // 1,001,000 elements > the 1e6 sample
        long[] shape = {rows, cols};
        ModelTensor base = h.base(m, 0, h.gaussian(rows * cols), shape);
        float[] x = h.gaussian(rows * cols);
        ModelTensor model = h.model(m, 1, x, shape, Map.of());
        float[] first = merge(m, "big.weight", base, List.of(model), Map.of(), 5L);
        assertArrayEquals(first, merge(m, "big.weight", base, List.of(model), Map.of(), 5L));
        long[] sample = TensorRandom.indices(5L, 1, "big.weight", ArceeFusionMerge.QUANTILE_SAMPLE, (long) rows * cols);
        ScalarReference.Fusion expected = ScalarReference.arceeFusion(values(base), x, new int[]{rows, cols}, sample);
        // fp32 importance vs double: an element within rounding of the threshold may fall either side
        int outsideRounding = 0; // b + (x - b) need not be x in fp32, hence the tolerance
        for (int i = 0; i < first.length; i++) {
            boolean nearThreshold = Math.abs(expected.importance()[i] - expected.threshold()) <= 1e-4 * expected.threshold();
            boolean differs = Math.abs(first[i] - expected.result()[i]) > 1e-5 * Math.max(1, Math.abs(expected.result()[i]));
            if (differs && !nearThreshold) {
                outsideRounding++;
            }
        }
        assertEquals(0, outsideRounding, "elements that disagree with the reference away from the threshold");
    }
}
