package dev.amalgam.arch;

import dev.amalgam.BadValueException;

import java.util.List;
import java.util.Map;

/**
 * The typed view of a {@code config.json} that a decoder forward pass runs on ({@link ModelConfig#decoder}).
 * Defaults follow transformers: {@code num_key_value_heads} = heads, {@code head_dim} = hidden / heads,
 * {@code rope_theta} = 10000, no tying, no attention bias. Which tensors exist, and their shapes, come from
 * the architecture's catalogue entry ({@link #expectedShapes()}).
 *
 * @param architecture the catalogue entry of {@code architectures[0]}
 * @param ropeScaling  null for plain RoPE
 */
public record DecoderConfig(Architecture architecture, int hiddenSize, int intermediateSize, int numHiddenLayers,
                            int numAttentionHeads, int numKeyValueHeads, int headDim, int vocabSize,
                            int maxPositionEmbeddings, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
                            boolean tieWordEmbeddings, boolean attentionBias) {
    /** The size names catalogue shapes are written in (see architectures.yaml). */
    static final List<String> DIMENSIONS = List.of("hidden", "intermediate", "vocab", "head_dim", "q_dim", "kv_dim");
    /** The config.json flags catalogue tensors may depend on ({@code when:} / {@code unless:}). */
    static final List<String> FLAGS = List.of("attention_bias", "tie_word_embeddings");

    public DecoderConfig {
        if (hiddenSize <= 0 || intermediateSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0
                || numKeyValueHeads <= 0 || headDim <= 0 || vocabSize <= 0 || maxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("sizes, layer, head and vocab counts must be positive");
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new BadValueException("num_key_value_heads", "expected a divisor of num_attention_heads ("
                    + numAttentionHeads + "), got " + numKeyValueHeads);
        }
        if (headDim % 2 != 0) {
            throw new BadValueException("head_dim", "expected an even number (rotary embeddings pair dimensions), got " + headDim);
        }
        if (!(rmsNormEps > 0)) {
            throw new BadValueException("rms_norm_eps", "expected a positive number, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new BadValueException("rope_theta", "expected a positive number, got " + ropeTheta);
        }
    }

    /** Every tensor the forward pass reads, with its HF shape, in catalogue order. */
    public Map<String, long[]> expectedShapes() {
        return architecture.expectedShapes(this);
    }

    /** A catalogue size name in this config's numbers. */
    long dimension(String name) {
        return switch (name) {
            case "hidden" -> hiddenSize;
            case "intermediate" -> intermediateSize;
            case "vocab" -> vocabSize;
            case "head_dim" -> headDim;
            case "q_dim" -> (long) numAttentionHeads * headDim;
            case "kv_dim" -> (long) numKeyValueHeads * headDim;
            default -> throw new IllegalArgumentException("no size named '" + name + "'; known: " + DIMENSIONS);
        };
    }

    /** A config.json flag a catalogue tensor depends on. */
    boolean flag(String name) {
        return switch (name) {
            case "attention_bias" -> attentionBias;
            case "tie_word_embeddings" -> tieWordEmbeddings;
            default -> throw new IllegalArgumentException("no flag named '" + name + "'; known: " + FLAGS);
        };
    }
}
