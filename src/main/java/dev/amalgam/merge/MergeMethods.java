package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import dev.amalgam.DidYouMean;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The registry of merge methods by mergekit name. */
public final class MergeMethods {
    private static final List<MergeMethod> ALL = List.of(
            new LinearMerge(), new SlerpMerge(), new NuslerpMerge(), new MultislerpMerge(), new KarcherMerge(),
            new TaskArithmeticMerge(), new TiesMerge(), new DareTiesMerge(), new DareLinearMerge(),
            new BreadcrumbsMerge(), new BreadcrumbsTiesMerge(), new DellaMerge(), new DellaLinearMerge(),
            new ModelStockMerge(), new SceMerge(), new PassthroughMerge());
    private static final Map<String, MergeMethod> BY_NAME = index();
    /** mergekit methods the spec marks optional and Amalgam does not implement yet. */
    private static final Set<String> NOT_YET = Set.of("ram", "ramplus_tl", "nearswap", "arcee_fusion");

    private MergeMethods() {
    }

    /** Every implemented method, in the spec's order. */
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
        if (NOT_YET.contains(name)) {
            throw new BadInputException(where + ": merge method '" + name
                    + "' is not supported by Amalgam yet; supported: " + String.join(", ", BY_NAME.keySet()));
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
