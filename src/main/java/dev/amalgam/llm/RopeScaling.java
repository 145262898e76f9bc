package dev.amalgam.llm;

/**
 * HF {@code rope_scaling} of type {@code llama3} (Llama 3.1+): long wavelengths are slowed down by
 * {@code factor}, short ones kept, and the band between is interpolated.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {
    public RopeScaling {
        if (!(factor >= 1) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalMaxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("llama3 rope_scaling needs factor >= 1, 0 < low_freq_factor < high_freq_factor,"
                    + " original_max_position_embeddings > 0");
        }
    }
}
