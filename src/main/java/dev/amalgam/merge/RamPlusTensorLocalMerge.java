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
    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.number("epsilon", Scope.GLOBAL, 1e-5, 0, Double.POSITIVE_INFINITY, Gene.NONE),
            ParameterSpec.number("r", Scope.GLOBAL, 0.1, 0, Double.POSITIVE_INFINITY, Gene.NONE),
            ParameterSpec.number("alpha", Scope.GLOBAL, 0.2, 0, Double.POSITIVE_INFINITY, Gene.NONE));

    @Override
    public String name() {
        return "ramplus_tl";
    }

    @Override
    public BaseRequirement baseRequirement() {
        return BaseRequirement.REQUIRED;
    }

    @Override
    public int minModels() {
        return 1;
    }

    @Override
    public int maxModels() {
        return Integer.MAX_VALUE;
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
        return ReinforcedAgentMerging.merge(ctx, true);
    }
}
