package dev.amalgam.evolve.config;

import dev.amalgam.BadValueException;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MergeMethods;
import dev.amalgam.merge.ParameterSpec;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.safetensors.DType;

import java.util.HashSet;
import java.util.List;

/**
 * The {@code genome:} block, as mergekit-evolve writes it, plus {@code dtype} (the dtype candidates are
 * rounded to, as the exported merge saves them; default bfloat16 like mergekit-evolve).
 *
 * @param models               the models that get genes, in order (the base is not a gene unless listed)
 * @param baseModel            the base of task-arithmetic methods, or null
 * @param layerGranularity     layers per group; 0 = one group for the whole depth
 * @param normalize            null = mergekit-evolve's default (true for linear, ties and dare_ties)
 * @param allowNegativeWeights widens the weight genes from [0, 1] to [-1, 1]
 * @param filters              tensor-name substrings that get their own genes; a catch-all group is added
 * @param smooth               gradients over the layer groups instead of one step per group
 */
public record GenomeSpec(List<ModelRef> models, String mergeMethod, ModelRef baseModel, String tokenizerSource,
                         int layerGranularity, Boolean normalize, boolean allowNegativeWeights, List<String> filters,
                         boolean smooth, DType dtype) {
    public GenomeSpec {
        models = List.copyOf(models);
        filters = List.copyOf(filters);
        if (models.isEmpty()) {
            throw new BadValueException("genome.models", "expected at least one model");
        }
        if (new HashSet<>(models).size() != models.size()) {
            throw new BadValueException("genome.models", "a model is listed twice: " + models);
        }
        MergeMethod method = MergeMethods.byName(mergeMethod, "genome.merge_method");
        if (method.parameters().stream().noneMatch(p -> p.gene() == ParameterSpec.Gene.WEIGHT || p.gene() == ParameterSpec.Gene.T)) {
            throw new BadValueException("genome.merge_method", mergeMethod + " has no weight or t parameter to search");
        }
        if (layerGranularity < 0) {
            throw new BadValueException("genome.layer_granularity", "expected 0 (one group) or a positive layer count, got " + layerGranularity);
        }
        if (firstModelIsBase(method)) {
            if (smooth) {
                throw new BadValueException("genome.smooth", "not supported with " + mergeMethod + " (as in mergekit-evolve)");
            }
            if (!filters.isEmpty()) {
                throw new BadValueException("genome.filters", "not supported with " + mergeMethod + " (as in mergekit-evolve)");
            }
            if (models.size() != 2 || baseModel != null) {
                throw new BadValueException("genome.models", mergeMethod
                        + " needs exactly two models and no base_model (the first model is the base)");
            }
        } else if (method.baseRequirement() == MergeMethod.BaseRequirement.REQUIRED && baseModel == null) {
            throw new BadValueException("genome.base_model", mergeMethod + " needs a base model");
        }
        for (String f : filters) {
            if (f == null || f.isBlank() || f.equals("*")) {
                throw new BadValueException("genome.filters", "expected tensor-name substrings, got '" + f + "'");
            }
        }
        if (dtype == null || !dtype.isFloating()) {
            throw new BadValueException("genome.dtype", "expected a floating dtype (bfloat16, float16, float32), got " + dtype);
        }
    }

    /**
     * Whether the genome's first model is the merge's base: the method's signature declares a required base, exactly
     * one other model and only global genes (slerp's t interpolates from the base to the other model), so there is
     * nothing to search per model and the two genome models are base and other, as mergekit-evolve lays out slerp.
     */
    public boolean firstModelIsBase() {
        return firstModelIsBase(MergeMethods.byName(mergeMethod, "genome.merge_method"));
    }

    private static boolean firstModelIsBase(MergeMethod method) {
        return method.baseRequirement() == MergeMethod.BaseRequirement.REQUIRED && method.minModels() == 1 && method.maxModels() == 1
                && method.parameters().stream().noneMatch(p -> p.gene() != ParameterSpec.Gene.NONE && p.scope() == ParameterSpec.Scope.PER_MODEL);
    }

    /** mergekit-evolve's rule: normalize defaults to true for linear, ties and dare_ties. */
    public boolean effectiveNormalize() {
        return normalize != null ? normalize : List.of("linear", "ties", "dare_ties").contains(mergeMethod);
    }
}
