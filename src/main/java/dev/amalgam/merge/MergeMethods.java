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
            new TaskArithmeticMerge(), new TiesMerge(), new DareTiesMerge(), new DareLinearMerge(),
            new BreadcrumbsMerge(), new BreadcrumbsTiesMerge(), new DellaMerge(), new DellaLinearMerge(),
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
