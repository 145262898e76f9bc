package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * TIES "sum" sign election: per position, the majority sign is the sign of the sum of the (weighted)
 * deltas (+1 on a tie at zero), and a model takes part where its delta has that sign. Zeros have sign
 * 0 and never take part.
 */
final class SignConsensus {
    private SignConsensus() {
    }

    /**
     * @param stacked [models, ...] deltas
     * @return [models, ...] fp32 mask of 0 and 1
     */
    static NDArray mask(NDArray stacked) {
        // Temporaries are closed as soon as they are used: this runs on every tensor of a merge.
        NDArray majority; // [...] +1 or -1
        try (NDArray sum = stacked.sum(new int[]{0}); NDArray nonNegative = sum.gte(0f)) {
            majority = nonNegative.toType(DataType.FLOAT32, false).muli(2f).subi(1f);
        }
        try (majority; NDArray sign = stacked.sign(); NDArray agree = sign.eq(majority)) {
            return agree.toType(DataType.FLOAT32, false);
        }
    }
}
