package dev.amalgam.recipe;

import java.util.List;
import java.util.Map;

/**
 * One output slice: sources that all span the same number of layers, merged layer by layer.
 *
 * @param baseModel this slice's base, or null to use the recipe's {@code base_model}
 */
public record SliceSpec(List<SliceSource> sources, ModelRef baseModel, Map<String, ParameterValue> parameters) {
    public SliceSpec {
        sources = List.copyOf(sources);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a slice needs at least one source");
        }
        int length = sources.getFirst().length();
        for (SliceSource s : sources) {
            if (s.length() != length) {
                throw new IllegalArgumentException("slice sources span different layer counts: " + sources);
            }
        }
        parameters = Parameters.copy(parameters);
    }

    /** The number of output layers this slice produces. */
    public int length() {
        return sources.getFirst().length();
    }
}
