package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * linear (spec 1.1): r = sum w_i x_i, divided by sum w_i when {@code normalize}. Like mergekit there is
 * no guard for sum w_i = 0 (the result is inf or NaN).
 */
public record LinearMerge() implements MergeMethod {
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "linear", BaseRequirement.NONE, 1, Integer.MAX_VALUE,
            List.of(
                    ParameterSpec.modelWeight(),
                    ParameterSpec.flag("normalize", true)),
            EmbeddingRectification.COMMON_SUBMATRIX, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        // Accumulates in place into the one array this method owns and frees each term at once, so a
        // merge holds the inputs plus two tensor-sized arrays, not one temporary per model.
        NDArray sum = null; // [...]
        double weightSum = 0;
        for (ModelTensor model : ctx.models()) {
            double w = model.params().number("weight");
            NDArray term = model.tensor().mul((float) w);
            if (sum == null) {
                sum = term;
            } else {
                sum.addi(term);
                term.close();
            }
            weightSum += w;
        }
        return ctx.global().flag("normalize") ? sum.divi((float) weightSum) : sum;
    }
}
