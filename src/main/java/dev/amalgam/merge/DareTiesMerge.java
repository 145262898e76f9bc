package dev.amalgam.merge;

/** dare_ties: random (Bernoulli) pruning with L1 rescale, then sign consensus (spec 1.6). */
public record DareTiesMerge() implements TaskArithmeticFamily {
    private static final GeneralizedTaskArithmetic MATH =
            new GeneralizedTaskArithmetic("dare_ties", Sparsification.RANDOM, true, false, true);

    @Override
    public GeneralizedTaskArithmetic math() {
        return MATH;
    }
}
