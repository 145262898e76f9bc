package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * k-th largest value of a flat array by partial selection (torch.topk), never a full sort. Pruning
 * keeps every element {@code >= } this value, so elements tied with the threshold are all kept: with
 * distinct values exactly k survive, with ties a few more. That rule is deterministic and does not
 * depend on the device's tie order (mergekit's argsort breaks ties arbitrarily).
 */
final class KthLargest {
    private KthLargest() {
    }

    /**
     * @param flat [numel] values, float32 or float64
     * @param k    1 <= k <= numel
     * @return the value, exact in the array's own type
     */
    static double of(NDArray flat, long k) {
        long n = flat.size();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k = " + k + " outside [1, " + n + "]");
        }
        // Select the smaller side: the k-th largest is the (n-k+1)-th smallest. The selected values and
        // their int64 indices are up to 1.5x the input's size: free them at once.
        boolean largest = k <= n - k + 1;
        try (NDList selected = flat.topK(Math.toIntExact(largest ? k : n - k + 1), 0, largest, false);
             NDArray edge = largest ? selected.get(0).min() : selected.get(0).max()) {
            return edge.getDataType() == DataType.FLOAT64 ? edge.getDouble() : edge.getFloat();
        }
    }
}
