package dev.amalgam.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.arch.DecoderConfig;
import dev.amalgam.arch.RopeScaling;

/**
 * Rotary position embedding in Hugging Face's rotate-half layout: dimension {@code i} and
 * {@code i + headDim/2} of each head form a pair rotated by angle {@code pos * invFreq[i]}.
 *
 * @param inverseFrequencies [headDim/2] radians per position, after any llama3 rescaling
 */
public record RotaryEmbedding(double[] inverseFrequencies) {

    public static RotaryEmbedding of(DecoderConfig config) {
        int half = config.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / config.headDim());
        }
        if (config.ropeScaling() != null) {
            llama3(inv, config.ropeScaling());
        }
        return new RotaryEmbedding(inv);
    }

    /** transformers' {@code _compute_llama3_parameters}: slow long wavelengths, keep short ones, blend between. */
    private static void llama3(double[] inv, RopeScaling s) {
        double oldContext = s.originalMaxPositionEmbeddings();
        double lowFreqWavelen = oldContext / s.lowFreqFactor();
        double highFreqWavelen = oldContext / s.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowFreqWavelen) {
                inv[i] = inv[i] / s.factor();
            } else if (wavelen >= highFreqWavelen) {
                double smooth = (oldContext / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
                inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
            }
        }
    }

    @Override
    public double[] inverseFrequencies() {
        return inverseFrequencies.clone();
    }

    /** cos and sin tables [seqLen, headDim] (each half repeated), positions 0..seqLen-1. */
    NDArray[] cosSin(NDManager manager, int seqLen) {
        int half = inverseFrequencies.length;
        int dim = 2 * half;
        float[] cos = new float[seqLen * dim];
        float[] sin = new float[seqLen * dim];
        for (int p = 0; p < seqLen; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inverseFrequencies[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * dim + i] = c;
                cos[p * dim + half + i] = c;
                sin[p * dim + i] = s;
                sin[p * dim + half + i] = s;
            }
        }
        Shape shape = new Shape(seqLen, dim);
        return new NDArray[]{manager.create(cos, shape), manager.create(sin, shape)};
    }
}
