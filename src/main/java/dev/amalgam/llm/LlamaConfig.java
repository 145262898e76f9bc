package dev.amalgam.llm;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.BadInputException;
import dev.amalgam.files.IoFailure;
import dev.amalgam.files.JsonFailure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The parts of a Hugging Face {@code config.json} a Llama-family forward pass needs. Defaults follow
 * transformers: {@code num_key_value_heads} = heads, {@code head_dim} = hidden / heads,
 * {@code rope_theta} = 10000, no tying, no attention bias.
 *
 * @param ropeScaling null for plain RoPE
 */
public record LlamaConfig(LlamaArchitecture architecture, int hiddenSize, int intermediateSize, int numHiddenLayers,
                          int numAttentionHeads, int numKeyValueHeads, int headDim, int vocabSize,
                          int maxPositionEmbeddings, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
                          boolean tieWordEmbeddings, boolean attentionBias) {
    public static final String FILE = "config.json";

    public LlamaConfig {
        if (hiddenSize <= 0 || intermediateSize <= 0 || numHiddenLayers <= 0 || numAttentionHeads <= 0
                || numKeyValueHeads <= 0 || headDim <= 0 || vocabSize <= 0 || maxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("sizes, layer, head and vocab counts must be positive");
        }
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim (" + headDim + ") must be even for rotary embeddings");
        }
        if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
            throw new IllegalArgumentException("rms_norm_eps and rope_theta must be positive");
        }
    }

    /** Whether q/k/v projections carry a bias. */
    public boolean qkvBias() {
        return attentionBias || architecture.alwaysQkvBias();
    }

    /** Whether o_proj carries a bias (only when {@code attention_bias} is set). */
    public boolean outputBias() {
        return attentionBias;
    }

    /** Reads {@code config.json} from a model folder. */
    public static LlamaConfig read(Path modelDir) {
        Path file = modelDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": not found (a Hugging Face model folder needs " + FILE + ")");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            throw new BadInputException(file + ": not valid JSON (" + JsonFailure.describe(e) + ")", e);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read (" + IoFailure.cause(file, e) + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file + ": expected a JSON object");
        }
        Fields f = new Fields(file, root);
        LlamaArchitecture architecture = f.architecture();
        int hidden = f.integer("hidden_size");
        int heads = f.integer("num_attention_heads");
        try {
            return new LlamaConfig(architecture, hidden, f.integer("intermediate_size"), f.integer("num_hidden_layers"),
                    heads, f.optionalInteger("num_key_value_heads", heads), f.optionalInteger("head_dim", hidden / heads),
                    f.integer("vocab_size"), f.integer("max_position_embeddings"), f.number("rms_norm_eps"),
                    f.optionalNumber("rope_theta", 10000.0), f.ropeScaling(), f.bool("tie_word_embeddings"),
                    f.bool("attention_bias"));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file + ": " + e.getMessage(), e);
        }
    }

    /** Typed field access that names the file and field in every error. */
    private record Fields(Path file, JsonNode root) {
        LlamaArchitecture architecture() {
            JsonNode archs = root.get("architectures");
            if (archs == null || !archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
                throw new BadInputException(file + ": field 'architectures' must be a non-empty list of names");
            }
            String name = archs.get(0).asText();
            return LlamaArchitecture.fromHfName(name).orElseThrow(() -> new BadInputException(file
                    + ": field 'architectures' is '" + name + "', expected one of " + supported()));
        }

        private static String supported() {
            return java.util.Arrays.stream(LlamaArchitecture.values()).map(LlamaArchitecture::hfName).toList().toString();
        }

        int integer(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                throw new BadInputException(file + ": field '" + field + "' is missing");
            }
            return integer(field, n);
        }

        int optionalInteger(String field, int fallback) {
            JsonNode n = root.get(field);
            return n == null || n.isNull() ? fallback : integer(field, n);
        }

        private int integer(String field, JsonNode n) {
            if (!n.canConvertToInt() || !n.isIntegralNumber()) {
                throw new BadInputException(file + ": field '" + field + "' must be an integer, got " + n);
            }
            return n.intValue();
        }

        double number(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                throw new BadInputException(file + ": field '" + field + "' is missing");
            }
            return number(field, n);
        }

        double optionalNumber(String field, double fallback) {
            JsonNode n = root.get(field);
            return n == null || n.isNull() ? fallback : number(field, n);
        }

        private double number(String field, JsonNode n) {
            if (!n.isNumber()) {
                throw new BadInputException(file + ": field '" + field + "' must be a number, got " + n);
            }
            return n.doubleValue();
        }

        boolean bool(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                return false;
            }
            if (!n.isBoolean()) {
                throw new BadInputException(file + ": field '" + field + "' must be true or false, got " + n);
            }
            return n.booleanValue();
        }

        RopeScaling ropeScaling() {
            JsonNode n = root.get("rope_scaling");
            if (n == null || n.isNull()) {
                return null;
            }
            JsonNode type = n.has("rope_type") ? n.get("rope_type") : n.get("type");
            String kind = type == null ? "" : type.asText();
            if (kind.equals("default")) {
                return null;
            }
            if (!kind.equals("llama3")) {
                throw new BadInputException(file + ": field 'rope_scaling' has type '" + kind
                        + "', only 'llama3' (or null) is supported");
            }
            Fields s = new Fields(file, n);
            try {
                return new RopeScaling(s.number("factor"), s.number("low_freq_factor"), s.number("high_freq_factor"),
                        s.integer("original_max_position_embeddings"));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(file + ": field 'rope_scaling': " + e.getMessage(), e);
            }
        }
    }
}
