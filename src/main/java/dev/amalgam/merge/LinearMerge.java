package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.Optional;

/**
 * linear (spec 1.1): r = sum w_i x_i, divided by sum w_i when {@code normalize}. Unlike mergekit, a weight sum of 0
 * under {@code normalize} is refused by the planner (mergekit writes a tensor of NaN).
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
    public Optional<String> weightSumFlag() {
        return Optional.of("normalize");
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
