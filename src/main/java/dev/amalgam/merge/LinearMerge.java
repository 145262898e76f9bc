package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * linear (spec 1.1): r = sum w_i x_i, divided by sum w_i when {@code normalize}. Like mergekit there is
 * no guard for sum w_i = 0 (the result is inf or NaN).
 */
public record LinearMerge() implements MergeMethod {
    private static final List<ParameterSpec> PARAMETERS = List.of(
            ParameterSpec.modelWeight(),
            ParameterSpec.flag("normalize", true));

    @Override
    public String name() {
        return "linear";
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
        return Integer.MAX_VALUE;
    }

    @Override
    public List<ParameterSpec> parameters() {
        return PARAMETERS;
    }

    @Override
    public EmbeddingRectification embeddingRectification() {
        return EmbeddingRectification.COMMON_SUBMATRIX;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        NDArray sum = null; // [...]
        double weightSum = 0;
        for (ModelTensor model : ctx.models()) {
            double w = model.params().number("weight");
            NDArray term = model.tensor().mul((float) w);
            sum = sum == null ? term : sum.add(term);
            weightSum += w;
        }
        return ctx.global().flag("normalize") ? sum.div((float) weightSum) : sum;
    }
}
