package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import dev.amalgam.merge.MergeMethod.BaseRequirement;
import dev.amalgam.merge.ParameterSpec.Gene;
import dev.amalgam.merge.ParameterSpec.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.amalgam.merge.MergeHarness.assertClose;
import static dev.amalgam.merge.MergeHarness.merge;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry and each method's declared contract, checked against the spec's tables. */
class MergeMethodsTest {
    /** "name scope default" per parameter, default "required" for none (spec sections 1.1-1.12). */
    private static final Map<String, String> PARAMETERS = new LinkedHashMap<>();

    static {
        String gta = "int8_mask GLOBAL false, lambda GLOBAL 1.0, weight PER_MODEL required, density PER_MODEL 1.0";
        PARAMETERS.put("linear", "weight PER_MODEL required, normalize GLOBAL true");
        PARAMETERS.put("slerp", "t GLOBAL required");
        PARAMETERS.put("nuslerp", "weight PER_MODEL required, nuslerp_flatten GLOBAL true, nuslerp_row_wise GLOBAL false");
        PARAMETERS.put("multislerp", "weight PER_MODEL required, normalize_weights GLOBAL true, eps GLOBAL 1.0E-8");
        PARAMETERS.put("karcher", "max_iter GLOBAL 10.0, tol GLOBAL 1.0E-5");
        PARAMETERS.put("task_arithmetic", gta + ", normalize GLOBAL false, rescale GLOBAL false");
        PARAMETERS.put("ties", gta + ", normalize GLOBAL true, rescale GLOBAL false");
        PARAMETERS.put("dare_ties", gta + ", normalize GLOBAL false, rescale GLOBAL true");
        PARAMETERS.put("dare_linear", gta + ", normalize GLOBAL false, rescale GLOBAL true");
        PARAMETERS.put("breadcrumbs", gta + ", normalize GLOBAL false, rescale GLOBAL false, gamma PER_MODEL 0.01");
        PARAMETERS.put("breadcrumbs_ties", gta + ", normalize GLOBAL false, rescale GLOBAL false, gamma PER_MODEL 0.01");
        PARAMETERS.put("della", gta + ", normalize GLOBAL true, rescale GLOBAL true, epsilon PER_MODEL 0.15");
        PARAMETERS.put("della_linear", gta + ", normalize GLOBAL false, rescale GLOBAL true, epsilon PER_MODEL 0.15");
        PARAMETERS.put("sce", "select_topk GLOBAL 1.0, int8_mask GLOBAL false");
        PARAMETERS.put("ram", "epsilon GLOBAL 1.0E-5");
        PARAMETERS.put("ramplus_tl", "epsilon GLOBAL 1.0E-5, r GLOBAL 0.1, alpha GLOBAL 0.2");
        PARAMETERS.put("model_stock", "filter_wise GLOBAL false");
        PARAMETERS.put("nearswap", "t GLOBAL required");
        PARAMETERS.put("arcee_fusion", "");
        PARAMETERS.put("passthrough", "scale PER_MODEL 1.0");
    }

    @Test
    void registryHoldsEveryRequiredMethodOnce() {
        assertEquals(List.copyOf(PARAMETERS.keySet()), MergeMethods.all().stream().map(MergeMethod::name).toList());
        for (MergeMethod m : MergeMethods.all()) {
            assertSame(m, MergeMethods.byName(m.name(), "recipe.yaml: merge_method"));
        }
    }

    @Test
    void unknownNameSuggestsTheNearestAndListsAll() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> MergeMethods.byName("dare_tie", "recipe.yaml: merge_method"));
        assertTrue(e.getMessage().startsWith("recipe.yaml: merge_method: unknown merge method 'dare_tie'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'dare_ties'?"), e.getMessage());
        assertTrue(e.getMessage().contains("linear, slerp, nuslerp"), e.getMessage());
        BadInputException far = assertThrows(BadInputException.class, () -> MergeMethods.byName("frobnicate", "x"));
        assertTrue(!far.getMessage().contains("did you mean") && far.getMessage().contains("passthrough"), far.getMessage());
    }

    @Test
    void everyParameterHasTheSpecDefaultAndScope() {
        for (MergeMethod m : MergeMethods.all()) {
            String declared = m.parameters().stream()
                    .map(p -> p.name() + " " + p.scope() + " " + (p.required() ? "required" : p.defaultValue()))
                    .sorted().collect(Collectors.joining(", "));
            String expected = PARAMETERS.get(m.name()).isEmpty() ? "" : List.of(PARAMETERS.get(m.name()).split(", ")).stream().sorted()
                    .collect(Collectors.joining(", "));
            assertEquals(expected, declared, m.name());
        }
    }

    @Test
    void boundsAndGenes() {
        for (MergeMethod m : MergeMethods.all()) {
            for (ParameterSpec p : m.parameters()) {
                switch (p.name()) {
                    case "weight" -> {
                        assertEquals(Gene.WEIGHT, p.gene(), m.name());
                        assertEquals(Double.NEGATIVE_INFINITY, p.min());
                    }
                    case "density" -> {
                        assertEquals(m.name().equals("task_arithmetic") ? Gene.NONE : Gene.DENSITY, p.gene(), m.name());
                        assertEquals(0.0, p.min());
                        assertEquals(1.0, p.max());
                    }
                    case "t" -> { // slerp's interpolation factor; nearswap's t is a distance threshold
                        assertEquals(m.name().equals("slerp") ? Gene.T : Gene.NONE, p.gene());
                        assertEquals(0.0, p.min());
                        assertEquals(m.name().equals("slerp") ? 1.0 : Double.POSITIVE_INFINITY, p.max());
                    }
                    case "gamma", "select_topk" -> {
                        assertEquals(0.0, p.min());
                        assertEquals(1.0, p.max());
                    }
                    default -> assertEquals(Gene.NONE, p.gene(), m.name() + " " + p.name());
                }
            }
        }
    }

    @Test
    void baseRequirementModelCountsAndRectification() {
        Map<String, String> expected = new HashMap<>();
        expected.put("linear", "NONE 1 inf COMMON_SUBMATRIX");
        expected.put("slerp", "REQUIRED 1 1 COMMON_SUBMATRIX");
        expected.put("nuslerp", "OPTIONAL 2 2 COMMON_SUBMATRIX");
        expected.put("multislerp", "OPTIONAL 2 inf NONE");
        expected.put("karcher", "NONE 2 inf COMMON_SUBMATRIX");
        for (String gta : List.of("task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs",
                "breadcrumbs_ties", "della", "della_linear")) {
            expected.put(gta, "REQUIRED 1 inf BASE_SHAPE");
        }
        expected.put("model_stock", "REQUIRED 2 inf COMMON_SUBMATRIX");
        expected.put("sce", "REQUIRED 1 inf NONE");
        expected.put("ram", "REQUIRED 1 inf NONE");
        expected.put("ramplus_tl", "REQUIRED 1 inf NONE");
        expected.put("nearswap", "REQUIRED 1 1 NONE");
        expected.put("arcee_fusion", "REQUIRED 1 1 COMMON_SUBMATRIX");
        expected.put("passthrough", "NONE 1 1 NONE");
        for (MergeMethod m : MergeMethods.all()) {
            String actual = m.baseRequirement() + " " + m.minModels() + " "
                    + (m.maxModels() == Integer.MAX_VALUE ? "inf" : m.maxModels()) + " " + m.embeddingRectification();
            assertEquals(expected.get(m.name()), actual, m.name());
        }
    }

    static List<Object[]> everyMethodWithBaseChoices() {
        List<Object[]> out = new ArrayList<>();
        for (MergeMethod m : MergeMethods.all()) {
            if (m.baseRequirement() != BaseRequirement.NONE) {
                out.add(new Object[]{m, true});
            }
            if (m.baseRequirement() != BaseRequirement.REQUIRED) {
                out.add(new Object[]{m, false});
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} with base {1}")
    @MethodSource("everyMethodWithBaseChoices")
    void mergingCopiesOfATensorReturnsIt(MergeMethod m, boolean withBase) {
        long[] shape = {5, 7};
        try (MergeHarness h = new MergeHarness(3)) {
            float[] x = h.gaussian(35);
            int count = Math.min(Math.max(m.minModels(), 2), m.maxModels());
            List<ModelTensor> models = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Map<String, Object> params = new HashMap<>();
                for (ParameterSpec p : m.parameters()) {
                    if (p.scope() == Scope.PER_MODEL && p.name().equals("weight")) {
                        params.put("weight", 0.3 + 0.4 * i);
                    } else if (p.scope() == Scope.PER_MODEL && p.name().equals("density")) {
                        params.put("density", 0.5);
                    }
                }
                models.add(h.model(m, i + 1, x.clone(), shape, params));
            }
            ModelTensor base = withBase ? h.base(m, 0, x.clone(), shape) : null;
            Map<String, Object> global = m.name().equals("slerp") || m.name().equals("nearswap") ? Map.of("t", 0.4) : Map.of();
            assertClose(x, merge(m, base, models, global), m.name());
        }
    }
}
