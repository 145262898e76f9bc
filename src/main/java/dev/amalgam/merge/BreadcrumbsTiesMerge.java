package dev.amalgam.merge;

/** breadcrumbs_ties: breadcrumbs pruning, then sign consensus (spec 1.6). */
public record BreadcrumbsTiesMerge() implements TaskArithmeticFamily {
    private static final GeneralizedTaskArithmetic MATH =
            new GeneralizedTaskArithmetic("breadcrumbs_ties", Sparsification.MAGNITUDE_OUTLIERS, true, false, false);

    @Override
    public GeneralizedTaskArithmetic math() {
        return MATH;
    }
}
