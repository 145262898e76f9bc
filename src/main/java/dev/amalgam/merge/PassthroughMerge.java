package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.List;

/** passthrough (spec 1.12): the one input, times its optional per-model {@code scale} (the frankenmerge primitive). */
public record PassthroughMerge() implements MergeMethod {
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "passthrough", BaseRequirement.NONE, 1, 1,
            List.of(ParameterSpec.number("scale", Scope.PER_MODEL, 1.0)),
            EmbeddingRectification.NONE, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        return ctx.models().getFirst().tensor().mul((float) ctx.models().getFirst().params().number("scale"));
    }
}
