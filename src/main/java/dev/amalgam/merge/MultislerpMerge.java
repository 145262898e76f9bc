package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.BadInputException;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.List;
import java.util.Optional;

/**
 * multislerp (spec 1.4): a weighted spherical mean of two or more flattened tensors (task vectors
 * with a base): the weighted mean direction m, corrected by the weighted tangent projections
 * u_i - (u_i.m) m, scaled by the weighted mean norm.
 */
public record MultislerpMerge() implements MergeMethod {
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "multislerp", BaseRequirement.OPTIONAL, 2, Integer.MAX_VALUE,
            List.of(
                    ParameterSpec.modelWeight(),
                    ParameterSpec.flag("normalize_weights", true),
                    ParameterSpec.number("eps", Scope.GLOBAL, 1e-8, 0, Double.POSITIVE_INFINITY, ParameterSpec.Gene.NONE)),
            EmbeddingRectification.NONE, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public Optional<String> weightSumFlag() {
        return Optional.of("normalize_weights");
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        List<ModelTensor> models = ctx.models();
        int n = models.size();
        double eps = ctx.global().number("eps");
        double[] weights = new double[n];
        double weightSum = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = models.get(i).params().number("weight");
            weightSum += weights[i];
        }
        if (ctx.global().flag("normalize_weights")) {
            for (int i = 0; i < n; i++) {
                weights[i] /= weightSum;
            }
        }
        NDArray base = ctx.base() == null ? null : ctx.base().tensor(); // [...] or null
        NDArray[] vectors = new NDArray[n]; // each [...]
        NDArray[] units = new NDArray[n]; // each [...], x_i / (|x_i| + eps)
        NDArray mean = null; // [...] sum w_i u_i
        double meanNorm = 0; // sum w_i |x_i|
        for (int i = 0; i < n; i++) {
            NDArray x = models.get(i).tensor();
            vectors[i] = base == null ? x : x.sub(base);
            double norm = vectors[i].norm().getFloat();
            units[i] = vectors[i].div((float) (norm + eps));
            NDArray term = units[i].mul((float) weights[i]);
            mean = mean == null ? term : mean.add(term);
            meanNorm += weights[i] * norm;
        }
        double meanLength = mean.norm().getFloat();
        NDArray result;
        if (meanLength < eps) {
            if (n != 2) {
                throw new BadInputException("tensor " + ctx.tensorName()
                        + ": multislerp cannot interpolate antipodal inputs (their mean direction is zero)");
            }
            result = vectors[0].mul((float) weights[0]).add(vectors[1].mul((float) weights[1]));
        } else {
            NDArray m = mean.div((float) meanLength); // [...] unit
            NDArray tangent = null; // [...] sum w_i (u_i - (u_i.m) m)
            for (int i = 0; i < n; i++) {
                double along = units[i].mul(m).sum().getFloat();
                NDArray term = units[i].sub(m.mul((float) along)).mul((float) weights[i]);
                tangent = tangent == null ? term : tangent.add(term);
            }
            double tau = tangent.norm().getFloat() + eps;
            result = m.mul((float) (Math.cos(tau) * meanNorm))
                    .add(tangent.mul((float) (Math.sin(tau) / tau * meanNorm)));
        }
        return base == null ? result : base.add(result);
    }
}
