package dev.amalgam.merge;

/** dare_linear: random (Bernoulli) pruning with L1 rescale, plain weighted sum (spec 1.6). */
public record DareLinearMerge() implements TaskArithmeticFamily {
    private static final GeneralizedTaskArithmetic MATH =
            new GeneralizedTaskArithmetic("dare_linear", Sparsification.RANDOM, false, false, true);

    @Override
    public GeneralizedTaskArithmetic math() {
        return MATH;
    }
}
