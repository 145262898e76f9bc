package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.merge.ParameterSpec.Gene;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.List;

/**
 * sce (spec 1.7): Select (keep the positions where the task vectors vary most), Calculate (weights
 * proportional to each task vector's mean square), Erase (TIES sign consensus), then the weighted mean
 * of the surviving task vectors added to the base. No per-model weight, no lambda.
 */
public record SceMerge() implements MergeMethod {
    private static final double WEIGHT_SUM_MIN = 1e-6;
    private static final float DIVISOR_MIN = 1e-6f;
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "sce", BaseRequirement.REQUIRED, 1, Integer.MAX_VALUE,
            List.of(
                    ParameterSpec.number("select_topk", Scope.GLOBAL, 1.0, 0, 1, Gene.NONE),
                    ParameterSpec.flag("int8_mask", false)),
            EmbeddingRectification.NONE, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        NDArray base = ctx.base().tensor(); // [...]
        List<ModelTensor> models = ctx.models();
        int n = models.size();
        NDList deltas = new NDList(n);
        for (ModelTensor model : models) {
            deltas.add(model.tensor().sub(base));
        }
        NDArray tau = NDArrays.stack(deltas); // [models, ...]
        double topk = ctx.global().number("select_topk");
        if (topk < 1) {
            tau = tau.mul(selectMask(tau, topk));
        }
        NDArray erase = SignConsensus.mask(tau); // [models, ...]
        float[] meanSquare = tau.square().reshape(n, -1).mean(new int[]{1}).toFloatArray(); // [models]
        double total = 0;
        for (float m : meanSquare) {
            total += m;
        }
        float[] weights = new float[n];
        for (int i = 0; i < n; i++) {
            weights[i] = (float) (Math.abs(total) < WEIGHT_SUM_MIN ? 1.0 / n : meanSquare[i] / total);
        }
        NDArray kept = erase.mul(ModelAxis.column(ctx.manager(), weights, base.getShape().dimension())); // [models, ...]
        NDArray merged = tau.mul(kept).sum(new int[]{0}); // [...]
        return base.add(merged.div(kept.sum(new int[]{0}).maximum(DIVISOR_MIN)));
    }

    /** [...] fp32 0/1: the floor(count_nonzero(var)*topk) positions of largest variance across models. */
    private static NDArray selectMask(NDArray tau, double topk) {
        NDArray mean = tau.mean(new int[]{0}); // [...]
        NDArray variance = tau.sub(mean).square().mean(new int[]{0}); // [...] population variance
        long k = (long) Math.floor(variance.countNonzero().getLong() * topk);
        if (k == 0) {
            return variance.zerosLike();
        }
        // k >= 1 means the threshold is > 0, so positions with zero variance are never selected.
        return variance.gte((float) KthLargest.of(variance.flatten(), k)).toType(DataType.FLOAT32, false);
    }
}
