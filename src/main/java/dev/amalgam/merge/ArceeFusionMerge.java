package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.List;

/**
 * arcee_fusion (spec 1.11): takes the other model's delta only where it matters most. importance =
 * |x - b| * KL(softmax(x) || softmax(b)) per row (softmax over the last dimension, +1e-8), and a delta
 * is kept where importance >= median + 1.5 IQR. Quantiles are mergekit's: the element at index
 * floor(q (m-1)) of the sorted values (found by k-th value selection), over a seeded subsample of 1e6
 * elements (with replacement) when the tensor is larger. Importance and threshold are computed in float64:
 * the mask is a hard threshold, and fp32 softmax/log rounding (CPU vs GPU) flipped elements next to it.
 */
public record ArceeFusionMerge() implements MergeMethod {
    static final int QUANTILE_SAMPLE = 1_000_000;
    private static final float SOFTMAX_EPS = 1e-8f;
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "arcee_fusion", BaseRequirement.REQUIRED, 1, 1,
            List.of(),
            EmbeddingRectification.COMMON_SUBMATRIX, true); // random for tensors over 1e6 elements (the subsample)

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        NDArray base = ctx.base().tensor(); // [...]
        ModelTensor model = ctx.models().getFirst();
        NDArray x = model.tensor(); // [...]
        NDArray delta = x.sub(base); // [...]
        NDArray x64 = x.toType(DataType.FLOAT64, false);
        NDArray base64 = base.toType(DataType.FLOAT64, false);
        NDArray p = x64.softmax(-1).add(SOFTMAX_EPS); // [..., last]
        NDArray q = base64.softmax(-1).add(SOFTMAX_EPS);
        NDArray kl = p.mul(p.div(q).log()).sum(new int[]{-1}, true); // [..., 1]
        NDArray importance = x64.sub(base64).abs().mul(kl); // [...] float64
        NDArray sample = importance.flatten(); // [m]
        if (sample.size() > QUANTILE_SAMPLE) {
            long[] picks = TensorRandom.indices(ctx.seed(), model.modelIndex(), ctx.tensorName(), QUANTILE_SAMPLE,
                    sample.size());
            sample = sample.take(ctx.manager().create(picks));
        }
        double q1 = quantile(sample, 0.25);
        double median = quantile(sample, 0.5);
        double q3 = quantile(sample, 0.75);
        double threshold = median + 1.5 * (q3 - q1);
        return base.add(delta.mul(importance.gte(threshold).toType(DataType.FLOAT32, false)));
    }

    /** The element at ascending index floor(q (m-1)), i.e. the (m - index)-th largest. */
    private static double quantile(NDArray flat, double q) {
        long m = flat.size();
        long index = (long) Math.floor(q * (m - 1));
        return KthLargest.of(flat, m - index);
    }
}
