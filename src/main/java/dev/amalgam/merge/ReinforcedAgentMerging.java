package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * The math of ram and ramplus_tl (spec 1.8). A position is active for a model where its |task vector|
 * exceeds epsilon; positions only one model touches take that model's delta, shared positions take the
 * mean of the active deltas. RAM+ (tensor-local) boosts a model's unique deltas by
 * 1 + r*clamp(shared/unique, 0, alpha), its own ratio of shared to unique active positions.
 */
final class ReinforcedAgentMerging {
    private ReinforcedAgentMerging() {
    }

    static NDArray merge(TensorMergeContext ctx, boolean tensorLocalPlus) {
        NDArray base = ctx.base().tensor(); // [...]
        int n = ctx.models().size();
        float epsilon = (float) ctx.global().number("epsilon");
        NDList deltas = new NDList(n);
        for (ModelTensor model : ctx.models()) {
            deltas.add(model.tensor().sub(base).flatten());
        }
        NDArray tau = NDArrays.stack(deltas); // [models, numel]
        NDArray active = tau.abs().gt(epsilon).toType(DataType.FLOAT32, false); // [models, numel]
        NDArray count = active.sum(new int[]{0}, true); // [1, numel]
        NDArray unique = count.eq(1f).toType(DataType.FLOAT32, false); // [1, numel]
        NDArray shared = count.gt(1f).toType(DataType.FLOAT32, false); // [1, numel]
        NDArray uniqueScale = unique; // [1, numel] or [models, numel]
        if (tensorLocalPlus) {
            double r = ctx.global().number("r");
            double alpha = ctx.global().number("alpha");
            float[] sharedCount = active.mul(shared).sum(new int[]{1}).toFloatArray(); // [models]
            float[] uniqueCount = active.mul(unique).sum(new int[]{1}).toFloatArray(); // [models]
            float[] boost = new float[n];
            for (int i = 0; i < n; i++) {
                double rho = sharedCount[i] / Math.max(uniqueCount[i], epsilon);
                boost[i] = (float) (1 + r * Math.clamp(rho, 0, alpha));
            }
            uniqueScale = unique.mul(ModelAxis.column(ctx.manager(), boost, 1));
        }
        NDArray perPosition = uniqueScale.add(shared.div(count.maximum(1f))); // [models or 1, numel]
        NDArray merged = tau.mul(active).mul(perPosition).sum(new int[]{0}); // [numel]
        return base.add(merged.reshape(base.getShape()));
    }
}
