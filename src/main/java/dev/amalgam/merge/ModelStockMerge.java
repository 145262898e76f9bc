package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.BadInputException;

import java.util.List;

/**
 * model_stock (spec 1.9): moves from the base towards the mean of N >= 2 fine-tuned models by
 * t = N cos / (1 + (N-1) cos), where cos is the mean pairwise cosine of their offsets from the base
 * (per row with {@code filter_wise}). Like mergekit, t is not clamped.
 */
public record ModelStockMerge() implements MergeMethod {
    private static final double NORM_PRODUCT_MIN = 1e-6;
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "model_stock", BaseRequirement.REQUIRED, 2, Integer.MAX_VALUE,
            List.of(ParameterSpec.flag("filter_wise", false)),
            EmbeddingRectification.COMMON_SUBMATRIX, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    /** A tensor with a single fine-tuned model is an error. */
    @Override
    public NDArray merge(TensorMergeContext ctx) {
        NDArray base = ctx.base().tensor(); // [...]
        List<ModelTensor> models = ctx.models();
        if (models.size() < 2) {
            throw new BadInputException("tensor " + ctx.tensorName()
                    + ": model_stock needs the base and at least 2 other models, found 1 other");
        }
        boolean filterWise = ctx.global().flag("filter_wise");
        NDArray base2d = filterWise ? RowMatrix.of(base) : base.reshape(1, base.size()); // [rows, len]
        int n = models.size();
        NDArray[] offsets = new NDArray[n]; // each [rows, len]
        NDArray modelSum = null; // [...]
        for (int i = 0; i < n; i++) {
            NDArray x = models.get(i).tensor();
            offsets[i] = x.reshape(base2d.getShape()).sub(base2d);
            modelSum = modelSum == null ? x : modelSum.add(x);
        }
        NDArray cosSum = null; // [rows, 1]
        int pairs = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                NDArray dot = offsets[i].mul(offsets[j]).sum(new int[]{1}, true);
                NDArray normProduct = offsets[i].norm(new int[]{1}, true).mul(offsets[j].norm(new int[]{1}, true));
                NDArray cos = dot.div(normProduct.maximum((float) NORM_PRODUCT_MIN)).clip(-1f, 1f);
                cosSum = cosSum == null ? cos : cosSum.add(cos);
                pairs++;
            }
        }
        NDArray cos = cosSum.div((float) pairs); // [rows, 1]
        NDArray t = cos.mul((float) n).div(cos.mul((float) (n - 1)).add(1f)); // [rows, 1]
        NDArray mean = modelSum.div((float) n).reshape(base2d.getShape()); // [rows, len]
        // t*mean + (1-t)*base = base + t*(mean - base)
        return base2d.add(mean.sub(base2d).mul(t)).reshape(base.getShape());
    }
}
