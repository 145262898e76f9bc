package dev.amalgam.merge;

/** breadcrumbs: drops the largest and smallest deltas, plain weighted sum (spec 1.6). */
public record BreadcrumbsMerge() implements TaskArithmeticFamily {
    private static final GeneralizedTaskArithmetic MATH =
            new GeneralizedTaskArithmetic("breadcrumbs", Sparsification.MAGNITUDE_OUTLIERS, false, false, false);

    @Override
    public GeneralizedTaskArithmetic math() {
        return MATH;
    }
}
