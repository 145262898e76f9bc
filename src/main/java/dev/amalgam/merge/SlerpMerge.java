package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.merge.ParameterSpec.Gene;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.List;

/**
 * slerp (spec 1.2): spherical interpolation from the base (t = 0) to the one other model (t = 1),
 * over the whole flattened tensor; nearly colinear tensors (|cos| > 0.9995) are interpolated
 * linearly. The coefficients apply to the un-normalised tensors.
 */
public record SlerpMerge() implements MergeMethod {
    private static final double COLINEAR = 0.9995;
    private static final double NORM_EPS = 1e-8;
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "slerp", BaseRequirement.REQUIRED, 1, 1,
            List.of(ParameterSpec.number("t", Scope.GLOBAL, null, 0, 1, Gene.T)),
            EmbeddingRectification.COMMON_SUBMATRIX, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        NDArray base = ctx.base().tensor(); // [...]
        NDArray other = ctx.models().getFirst().tensor(); // [...]
        double t = ctx.global().number("t");
        double baseNorm = base.norm().getFloat();
        double otherNorm = other.norm().getFloat();
        // cos of the angle between the unit vectors (a vector with norm <= 1e-8 is left unnormalised)
        double dot = base.mul(other).sum().getFloat()
                / ((baseNorm > NORM_EPS ? baseNorm : 1) * (otherNorm > NORM_EPS ? otherNorm : 1));
        double baseCoefficient;
        double otherCoefficient;
        if (Math.abs(dot) > COLINEAR) {
            baseCoefficient = 1 - t;
            otherCoefficient = t;
        } else {
            double theta = Math.acos(dot);
            double sinTheta = Math.sin(theta);
            baseCoefficient = Math.sin((1 - t) * theta) / sinTheta;
            otherCoefficient = Math.sin(t * theta) / sinTheta;
        }
        return base.mul((float) baseCoefficient).add(other.mul((float) otherCoefficient));
    }
}
