package dev.amalgam.merge;

/** della_linear: della pruning with L1 rescale, plain weighted sum (spec 1.6). */
public record DellaLinearMerge() implements TaskArithmeticFamily {
    private static final GeneralizedTaskArithmetic MATH =
            new GeneralizedTaskArithmetic("della_linear", Sparsification.DELLA_MAGPRUNE, false, false, true);

    @Override
    public GeneralizedTaskArithmetic math() {
        return MATH;
    }
}
