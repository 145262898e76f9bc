package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * nuslerp (spec 1.3): slerp between exactly two models at t = w_2/(w_1+w_2), on task vectors when a
 * base is given. Vectors are the whole tensor ({@code nuslerp_flatten}), else rows along the last
 * dimension, or along dimension 0 with {@code nuslerp_row_wise}. Vectors whose |sin theta| < 1e-8
 * fall back to lerp; there is no 0.9995 threshold.
 */
public record NuslerpMerge() implements MergeMethod {
    private static final double NORM_CLAMP = 1e-7;
    private static final double COLINEAR_SIN = 1e-8;
    private static final double WEIGHT_SUM_EPS = 1e-6;
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "nuslerp", BaseRequirement.OPTIONAL, 2, 2,
            List.of(
                    ParameterSpec.modelWeight(),
                    ParameterSpec.flag("nuslerp_flatten", true),
                    ParameterSpec.flag("nuslerp_row_wise", false)),
            EmbeddingRectification.COMMON_SUBMATRIX, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        ModelTensor first = ctx.models().get(0);
        ModelTensor second = ctx.models().get(1);
        double w1 = first.params().number("weight");
        double w2 = second.params().number("weight");
        double t = Math.abs(w1 + w2) < WEIGHT_SUM_EPS ? 0.5 : w2 / (w1 + w2);
        NDArray base = ctx.base() == null ? null : ctx.base().tensor(); // [...] or null
        NDArray v0 = base == null ? first.tensor() : first.tensor().sub(base); // [...]
        NDArray v1 = base == null ? second.tensor() : second.tensor().sub(base); // [...]
        NDArray result = interpolate(t, v0, v1, ctx.global().flag("nuslerp_flatten"),
                ctx.global().flag("nuslerp_row_wise"));
        return base == null ? result : base.add(result);
    }

    /** Slerp of each vector pair; v0 and v1 have the same shape, and so has the result. */
    private static NDArray interpolate(double t, NDArray v0, NDArray v1, boolean flatten, boolean rowWise) {
        Shape shape = v0.getShape();
        boolean swap = !flatten && rowWise && shape.dimension() >= 2;
        NDArray a = swap ? v0.swapAxes(0, -1) : v0; // [..., vectorLength]
        NDArray b = swap ? v1.swapAxes(0, -1) : v1;
        Shape workShape = a.getShape();
        a = flatten ? a.reshape(1, a.size()) : RowMatrix.of(a); // [vectors, vectorLength]
        b = flatten ? b.reshape(1, b.size()) : RowMatrix.of(b);
        NDArray ua = a.div(a.norm(new int[]{1}, true).maximum((float) NORM_CLAMP)); // [vectors, len]
        NDArray ub = b.div(b.norm(new int[]{1}, true).maximum((float) NORM_CLAMP));
        NDArray theta = ua.mul(ub).sum(new int[]{1}, true).clip(-1f, 1f).acos(); // [vectors, 1]
        NDArray sinTheta = theta.sin(); // [vectors, 1]
        NDArray slerp = a.mul(theta.mul((float) (1 - t)).sin()).add(b.mul(theta.mul((float) t).sin())).div(sinTheta);
        NDArray lerp = a.mul((float) (1 - t)).add(b.mul((float) t));
        NDArray colinear = sinTheta.abs().lt((float) COLINEAR_SIN).broadcast(a.getShape()); // [vectors, len]
        NDArray result = NDArrays.where(colinear, lerp, slerp).reshape(workShape);
        return swap ? result.swapAxes(0, -1) : result;
    }
}
