package dev.amalgam.arch;

import dev.amalgam.BadValueException;

/**
 * HF {@code rope_scaling} of type {@code llama3} (Llama 3.1+): long wavelengths are slowed down by
 * {@code factor}, short ones kept, and the band between is interpolated. Rule breaks name their key
 * below {@code rope_scaling}.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {
    public RopeScaling {
        if (!(factor >= 1)) {
            throw new BadValueException("factor", "expected at least 1, got " + factor);
        }
        if (!(lowFreqFactor > 0)) {
            throw new BadValueException("low_freq_factor", "expected a positive number, got " + lowFreqFactor);
        }
        if (!(highFreqFactor > lowFreqFactor)) {
            throw new BadValueException("high_freq_factor", "expected more than low_freq_factor (" + lowFreqFactor
                    + "), got " + highFreqFactor);
        }
        if (originalMaxPositionEmbeddings <= 0) {
            throw new BadValueException("original_max_position_embeddings", "expected a positive integer, got "
                    + originalMaxPositionEmbeddings);
        }
    }
}
