package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

/** How many elements of an fp32 array are NaN or infinite. */
final class NonFiniteCount {
    private NonFiniteCount() {
    }

    /**
     * One cheap pass first (0 * x sums to 0 exactly when every element is finite, else to NaN), the exact count only
     * when something is not finite. Temporaries are closed here: {@code x} may be lent from a longer-lived manager.
     */
    static long of(NDArray x) {
        try (NDArray zeros = x.mul(0f); NDArray sum = zeros.sum()) {
            if (!Float.isNaN(sum.getFloat())) {
                return 0;
            }
        }
        try (NDArray nan = x.isNaN(); NDArray inf = x.isInfinite(); NDArray either = nan.logicalOr(inf);
             NDArray count = either.countNonzero()) {
            return count.getLong();
        }
    }
}
