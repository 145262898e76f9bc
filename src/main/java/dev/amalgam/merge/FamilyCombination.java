package dev.amalgam.merge;

import java.util.Arrays;

/**
 * The task-arithmetic family's last step in {@link JavaCpuKernel}, over one chunk: the models' weighted, thinned deltas
 * summed (with TIES' sign election under {@code consensus}), normalised, scaled by lambda and added to the base.
 *
 * @param weights       per model
 * @param scalarDivisor the weight sum, the divisor without consensus
 */
record FamilyCombination(float[] weights, boolean consensus, boolean normalize, float scalarDivisor, float lambda) {
    /**
     * GeneralizedTaskArithmetic's sum (with TIES sign election), normalisation and lambda, per element. Loops run
     * model by model over the whole chunk (so the JIT can vectorise them), adding in the same order per element as
     * libtorch's sum over the model axis: bit for bit the same values. Sums start at +0 as libtorch's do (0 + -0 is
     * +0), and the last model's loop also does the step after the sum (the majority sign, or the result), which saves
     * a pass over the chunk. {@code mixed} and {@code divisor} are scratch.
     */
    void combine(float[] base, float[][] contribution, int len, float[] result, float[] mixed, float[] divisor) {
        int last = weights.length - 1;
        float[] c = contribution[last];
        // The models before the last, summed from +0: by sumBefore, or for two models, +0 + c0 in the loops below (the
        // same value, without a pass that writes it).
        float[] before = last == 1 ? contribution[0] : mixed;
        if (last != 1) {
            sumBefore(contribution, last, len, mixed);
        }
        if (!consensus) {
            float d = normalize ? scalarDivisor : 1f; // x / 1 is x, bit for bit
            for (int j = 0; j < len; j++) {
                result[j] = base[j] + ((0f + before[j]) + c[j]) / d * lambda; // 0 + x is x, but +0 for -0, as in sumBefore
            }
            return;
        }
        // SignConsensus: the majority is +1 where the sum is >= 0 (a tie at zero too) and -1 elsewhere; a model agrees
        // where its value has that sign (never for 0, as signum(c) == majority). The loops are branch-free: the signs
        // are random, and a branch on them mispredicts half the time.
        float[] majority = divisor;
        for (int j = 0; j < len; j++) {
            // +1 for a sum >= 0 (2 x signum + 1 is -1, 1 or 3), -1 below; branch-free and vectorized (copySign is
            // not). A NaN sum gives NaN, where the DJL path takes -1: it changes nothing, the element's result is NaN
            // either way.
            majority[j] = Math.min(1f, Math.signum((0f + before[j]) + c[j]) * 2f + 1f);
        }
        float[] agreeing = result; // reused: the agreeing weights' sum, then the result
        if (last == 0) { // mixed is still sumBefore's +0s (the majority loop only read it)
            Arrays.fill(agreeing, 0, len, 0f);
        }
        for (int i = 0; i < last; i++) {
            float[] ci = contribution[i];
            float w = weights[i];
            // agree: 1 where c has the majority's sign, else 0; for a NaN c it is NaN, not 0, which changes nothing:
            // mixed is NaN either way (NaN * 0 stays NaN, as in libtorch), so is the result, whatever the divisor.
            if (i == 0) {
                for (int j = 0; j < len; j++) {
                    float agree = Math.max(0f, Math.signum(ci[j]) * majority[j]);
                    mixed[j] = 0f + ci[j] * agree; // stacked.muli(mask).sum(0)
                    agreeing[j] = 0f + agree * w;
                }
            } else {
                for (int j = 0; j < len; j++) {
                    float agree = Math.max(0f, Math.signum(ci[j]) * majority[j]);
                    mixed[j] += ci[j] * agree;
                    agreeing[j] += agree * w;
                }
            }
        }
        float w = weights[last];
        if (normalize) {
            for (int j = 0; j < len; j++) {
                float agree = Math.max(0f, Math.signum(c[j]) * majority[j]);
                float sum = agreeing[j] + agree * w;
                // the divisor: the agreeing weights' sum, or 0 + 1 where it is (+-)0 (1 - signum|x| is 1 only for a
                // zero, x + 0 is x otherwise)
                result[j] = base[j] + (mixed[j] + c[j] * agree) / (sum + (1f - Math.signum(Math.abs(sum)))) * lambda;
            }
        } else {
            for (int j = 0; j < len; j++) {
                float agree = Math.max(0f, Math.signum(c[j]) * majority[j]);
                result[j] = base[j] + (mixed[j] + c[j] * agree) * lambda;
            }
        }
    }

    /** sum = +0 + the first {@code count} models' values, added in model order. */
    private static void sumBefore(float[][] contribution, int count, int len, float[] sum) {
        if (count == 0) {
            Arrays.fill(sum, 0, len, 0f);
        }
        for (int i = 0; i < count; i++) {
            float[] c = contribution[i];
            if (i == 0) {
                for (int j = 0; j < len; j++) {
                    sum[j] = 0f + c[j];
                }
            } else {
                for (int j = 0; j < len; j++) {
                    sum[j] += c[j];
                }
            }
        }
    }
}
