package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.BadInputException;
import dev.amalgam.merge.ParameterSpec.Gene;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.List;

/**
 * nearswap (spec 1.10): where the other model is close to the base it takes over, elementwise:
 * w = clamp(t / max(|b - x|, 1e-6), 0, 1), r = w x + (1 - w) b. {@code t} is a distance threshold
 * (not an interpolation factor), so it is no search gene; like mergekit, t <= 0 is an error.
 */
public record NearswapMerge() implements MergeMethod {
    private static final float DISTANCE_MIN = 1e-6f;
    private static final MethodSignature SIGNATURE = new MethodSignature(
            "nearswap", BaseRequirement.REQUIRED, 1, 1,
            List.of(ParameterSpec.number("t", Scope.GLOBAL, null, 0, Double.POSITIVE_INFINITY, Gene.NONE)),
            EmbeddingRectification.NONE, false);

    @Override
    public MethodSignature signature() {
        return SIGNATURE;
    }

    @Override
    public NDArray merge(TensorMergeContext ctx) {
        NDArray base = ctx.base().tensor(); // [...]
        double t = ctx.global().number("t");
        if (t <= 0) {
            throw new BadInputException("tensor " + ctx.tensorName() + ": nearswap needs t > 0, got " + t);
        }
        NDArray other = ctx.models().getFirst().tensor(); // [...]
        NDArray delta = other.sub(base); // [...]
        NDArray w = delta.abs().maximum(DISTANCE_MIN).pow(-1f).mul((float) t).clip(0f, 1f); // [...]
        return base.add(delta.mul(w)); // w x + (1 - w) b
    }
}
