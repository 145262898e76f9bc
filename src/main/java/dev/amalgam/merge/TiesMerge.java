package dev.amalgam.merge;

/** ties: magnitude pruning, then sign consensus; normalised by default (spec 1.6). */
public record TiesMerge() implements TaskArithmeticFamily {
    private static final GeneralizedTaskArithmetic MATH =
            new GeneralizedTaskArithmetic("ties", Sparsification.MAGNITUDE, true, true, false);

    @Override
    public GeneralizedTaskArithmetic math() {
        return MATH;
    }
}
