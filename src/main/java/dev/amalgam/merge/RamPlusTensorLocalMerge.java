package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.merge.ParameterSpec.Gene;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.List;

/**
 * ramplus_tl: RAM with each model's unique deltas boosted by its shared/unique ratio (spec 1.8); the
 * math is in {@link ReinforcedAgentMerging}.
 */
public record RamPlusTensorLocalMerge() implements MergeMethod {
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "ramplus_tl", BaseRequirement.REQUIRED, 1, Integer.MAX_VALUE,
            List.of(
                    ParameterSpec.number("epsilon", Scope.GLOBAL, 1e-5, 0, Double.POSITIVE_INFINITY, Gene.NONE),
                    ParameterSpec.number("r", Scope.GLOBAL, 0.1, 0, Double.POSITIVE_INFINITY, Gene.NONE),
                    ParameterSpec.number("alpha", Scope.GLOBAL, 0.2, 0, Double.POSITIVE_INFINITY, Gene.NONE)),
            EmbeddingRectification.NONE, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        return ReinforcedAgentMerging.merge(ctx, true);
    }
}
