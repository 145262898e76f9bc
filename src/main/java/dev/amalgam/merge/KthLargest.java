package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

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
     * @param flat [numel] values
     * @param k    1 <= k <= numel
     */
    static float of(NDArray flat, long k) {
        long n = flat.size();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k = " + k + " outside [1, " + n + "]");
        }
        // Select the smaller side: the k-th largest is the (n-k+1)-th smallest.
        if (k <= n - k + 1) {
            return flat.topK(Math.toIntExact(k), 0, true, false).get(0).min().getFloat();
        }
        return flat.topK(Math.toIntExact(n - k + 1), 0, false, false).get(0).max().getFloat();
    }
}
