package dev.amalgam.merge;

/** della: rank-based random pruning per row with L1 rescale, then sign consensus (spec 1.6). */
public record DellaMerge() implements TaskArithmeticFamily {
    private static final GeneralizedTaskArithmetic MATH =
            new GeneralizedTaskArithmetic("della", Sparsification.DELLA_MAGPRUNE, true, true, true);

    @Override
    public GeneralizedTaskArithmetic math() {
        return MATH;
    }
}
