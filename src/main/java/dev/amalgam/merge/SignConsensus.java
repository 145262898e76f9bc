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
        NDArray majority = stacked.sum(new int[]{0}).gte(0f).toType(DataType.FLOAT32, false).mul(2f).sub(1f); // [...]
        return stacked.sign().eq(majority).toType(DataType.FLOAT32, false);
    }
}
