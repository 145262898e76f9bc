package dev.amalgam.merge;

import dev.amalgam.merge.MergeMethod.BaseRequirement;
import dev.amalgam.merge.MergeMethod.EmbeddingRectification;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a merge method declares about itself, as data: everything but the math. The recipe validator,
 * the planner and the evolve genome read it through {@link MergeMethod}'s accessors.
 *
 * @param name                   the mergekit registry name, e.g. {@code dare_ties}
 * @param baseRequirement        whether the method needs, accepts or ignores a base model
 * @param minModels              fewest non-base models (after the base is taken out when it needs one)
 * @param maxModels              most non-base models, or {@link Integer#MAX_VALUE}
 * @param parameters             global and per-model parameters with defaults and bounds; names are unique
 * @param embeddingRectification how the kernel reconciles embeddings of different vocabulary sizes
 * @param random                 the method draws random masks or samples: its result depends on the seed
 */
public record MethodSignature(String name, BaseRequirement baseRequirement, int minModels, int maxModels,
                              List<ParameterSpec> parameters, EmbeddingRectification embeddingRectification,
                              boolean random) {
    public MethodSignature {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("merge method name must not be blank");
        }
        if (baseRequirement == null || embeddingRectification == null) {
            throw new IllegalArgumentException(name + ": base requirement and embedding rectification are required");
        }
        if (minModels < 0 || minModels > maxModels) {
            throw new IllegalArgumentException(name + ": need 0 <= minModels <= maxModels, got "
                    + minModels + ".." + maxModels);
        }
        parameters = List.copyOf(parameters);
        Set<String> names = new HashSet<>();
        for (ParameterSpec parameter : parameters) {
            if (!names.add(parameter.name())) {
                throw new IllegalArgumentException(name + ": parameter '" + parameter.name() + "' declared twice");
            }
        }
    }
}
