package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.merge.ParameterSpec.Gene;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.List;

/**
 * ram: Reinforced Agent Merging, unique deltas kept, shared deltas averaged (spec 1.8); the math is in
 * {@link ReinforcedAgentMerging}.
 */
public record RamMerge() implements MergeMethod {
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "ram", BaseRequirement.REQUIRED, 1, Integer.MAX_VALUE,
            List.of(ParameterSpec.number("epsilon", Scope.GLOBAL, 1e-5, 0, Double.POSITIVE_INFINITY, Gene.NONE)),
            EmbeddingRectification.NONE, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        return ReinforcedAgentMerging.merge(ctx, false);
    }
}
