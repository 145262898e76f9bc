package dev.amalgam.merge;

import dev.amalgam.NonFiniteException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Refuses, per tensor, a weight sum of zero for methods that divide by it ({@link MergeMethod#weightSumFlag()}): every
 * value of the tensor would be NaN or infinite. Per tensor, because gradients and filters give each tensor its weights.
 */
final class WeightSumCheck {
    /** Below this fraction of the weights' magnitude a sum counts as zero (0.1 + 0.2 - 0.3 is 5.6e-17, not 0). */
    private static final double RELATIVE_ZERO = 1e-9;

    private WeightSumCheck() {
    }

    /** @param where the recipe file and section, e.g. {@code recipe.yaml: slices[0]} */
    static void check(MergeMethod method, PlannedTensor tensor, String where) {
        Optional<String> flag = method.weightSumFlag();
        if (flag.isEmpty() || !tensor.global().flag(flag.get())) {
            return;
        }
        List<Double> weights = new ArrayList<>();
        double sum = 0;
        double magnitude = 0;
        for (PlannedTensor.PlannedInput in : tensor.inputs()) {
            double w = in.params().number("weight");
            weights.add(w);
            sum += w;
            magnitude += Math.abs(w);
        }
        if (Math.abs(sum) <= RELATIVE_ZERO * magnitude) {
            throw new NonFiniteException(where + ": tensor '" + tensor.outputName() + "': the weights " + weights
                    + " sum to 0, and " + flag.get() + ": true divides by their sum (every value would be NaN); change a weight or set "
                    + flag.get() + ": false");
        }
    }
}
