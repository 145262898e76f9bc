package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.List;

/** passthrough (spec 1.12): the one input, times its optional per-model {@code scale} (the frankenmerge primitive). */
public record PassthroughMerge() implements MergeMethod {
    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number("scale", Scope.PER_MODEL, 1.0));

    @Override
    public String name() {
        return "passthrough";
    }

    @Override
    public BaseRequirement baseRequirement() {
        return BaseRequirement.NONE;
    }

    @Override
    public int minModels() {
        return 1;
    }

    @Override
    public int maxModels() {
        return 1;
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public EmbeddingRectification embeddingRectification() {
        return EmbeddingRectification.NONE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        return ctx.models().getFirst().tensor().mul((float) ctx.models().getFirst().params().number("scale"));
    }
}
