package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import dev.amalgam.DidYouMean;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of merge methods by mergekit name. */
public final class MergeMethods {
    private static final List<MergeMethod> ALL = List.of(
            new LinearMerge(), new SlerpMerge(), new NuslerpMerge(), new MultislerpMerge(), new KarcherMerge(),
            // The task-arithmetic family (spec 1.6), registered as mergekit does: one method, eight settings of
            // (name, sparsification, sign consensus, default normalize, default rescale).
            new GeneralizedTaskArithmetic("task_arithmetic", Sparsification.NONE, false, false, false),
            new GeneralizedTaskArithmetic("ties", Sparsification.MAGNITUDE, true, true, false),
            new GeneralizedTaskArithmetic("dare_ties", Sparsification.RANDOM, true, false, true),
            new GeneralizedTaskArithmetic("dare_linear", Sparsification.RANDOM, false, false, true),
            new GeneralizedTaskArithmetic("breadcrumbs", Sparsification.MAGNITUDE_OUTLIERS, false, false, false),
            new GeneralizedTaskArithmetic("breadcrumbs_ties", Sparsification.MAGNITUDE_OUTLIERS, true, false, false),
            new GeneralizedTaskArithmetic("della", Sparsification.DELLA_MAGPRUNE, true, true, true),
            new GeneralizedTaskArithmetic("della_linear", Sparsification.DELLA_MAGPRUNE, false, false, true),
            new SceMerge(), new RamMerge(), new RamPlusTensorLocalMerge(), new ModelStockMerge(), new NearswapMerge(),
            new ArceeFusionMerge(), new PassthroughMerge());
    private static final Map<String, MergeMethod> BY_NAME = index();

    private MergeMethods() {
    }

    /** All 20 mergekit methods, in the spec's order. */
    public static List<MergeMethod> all() {
        return ALL;
    }

    /**
     * @param name  the recipe's {@code merge_method}
     * @param where the location for the error message, e.g. {@code recipe.yaml: merge_method}
     */
    public static MergeMethod byName(String name, String where) {
        MergeMethod method = BY_NAME.get(name);
        if (method != null) {
            return method;
        }
        throw new BadInputException(where + ": unknown merge method '" + name + "'"
                + DidYouMean.hint(name, BY_NAME.keySet()) + "; expected one of: " + String.join(", ", BY_NAME.keySet()));
    }

    private static Map<String, MergeMethod> index() {
        Map<String, MergeMethod> map = new LinkedHashMap<>();
        for (MergeMethod method : ALL) {
            if (map.put(method.name(), method) != null) {
                throw new IllegalStateException("duplicate merge method " + method.name());
            }
        }
        return map;
    }
}
