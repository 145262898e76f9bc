package dev.amalgam.merge;

/** task_arithmetic: base plus the weighted sum of task vectors (spec 1.6). */
public record TaskArithmeticMerge() implements TaskArithmeticFamily {
    private static final GeneralizedTaskArithmetic MATH =
            new GeneralizedTaskArithmetic("task_arithmetic", Sparsification.NONE, false, false, false);

    @Override
    public GeneralizedTaskArithmetic math() {
        return MATH;
    }
}
