package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.merge.ParameterSpec.Gene;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.ArrayList;
import java.util.List;

/**
 * karcher (spec 1.5): the Riemannian (Karcher) mean on the unit sphere of the flattened inputs with
 * equal weights 1/N, found by fixed-point iteration, scaled by the mean norm. Inputs with norm <= tol
 * give no direction but still count in the scale. The iteration runs in float64: its angles come from
 * acos of dot products near 1, where fp32 reduction order alone (CPU vs GPU) moved results by 1e-6.
 */
public record KarcherMerge() implements MergeMethod {
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "karcher", BaseRequirement.NONE, 2, Integer.MAX_VALUE,
            List.of(
                    ParameterSpec.number("max_iter", Scope.GLOBAL, 10.0, 0, Double.POSITIVE_INFINITY, Gene.NONE),
                    ParameterSpec.number("tol", Scope.GLOBAL, 1e-5, 0, Double.POSITIVE_INFINITY, Gene.NONE)),
            EmbeddingRectification.COMMON_SUBMATRIX, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        List<ModelTensor> models = ctx.models();
        int maxIter = (int) ctx.global().number("max_iter");
        double tol = ctx.global().number("tol");
        double scale = 0; // sum alpha_i |x_i| over all inputs, alpha_i = 1/N
        List<NDArray> units = new ArrayList<>(); // each [...], inputs with norm > tol only
        for (ModelTensor model : models) {
            NDArray x = model.tensor().toType(DataType.FLOAT64, false); // [...]
            double norm = x.norm().getDouble();
            scale += norm / models.size();
            if (norm > tol) {
                units.add(x.div(norm));
            }
        }
        if (units.isEmpty()) {
            return models.getFirst().tensor().zerosLike();
        }
        double alpha = 1.0 / units.size(); // renormalised over the inputs that give a direction
        NDArray u = sum(units, alpha); // [...]
        double length = u.norm().getDouble();
        u = length < tol ? units.getFirst() : u.div(length);
        for (int iter = 0; iter < maxIter; iter++) {
            NDArray tangent = u.zerosLike(); // [...] sum alpha (theta/sin theta) (u_i - cos theta u)
            for (NDArray unit : units) {
                double cos = Math.clamp(u.mul(unit).sum().getDouble(), -1.0, 1.0);
                double theta = Math.acos(cos);
                if (theta < tol) {
                    continue;
                }
                tangent = tangent.add(unit.sub(u.mul(cos)).mul(alpha * theta / Math.sin(theta)));
            }
            double step = tangent.norm().getDouble();
            if (step < tol) {
                break;
            }
            u = u.mul(Math.cos(step)).add(tangent.mul(Math.sin(step) / step));
            double uNorm = u.norm().getDouble();
            if (uNorm > tol) {
                u = u.div(uNorm);
            }
        }
        return u.mul(scale).toType(DataType.FLOAT32, false);
    }

    /** alpha * sum of the arrays. */
    private static NDArray sum(List<NDArray> arrays, double alpha) {
        NDArray total = arrays.getFirst();
        for (int i = 1; i < arrays.size(); i++) {
            total = total.add(arrays.get(i));
        }
        return total.mul(alpha);
    }
}
