package dev.amalgam.arch;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.files.ConfigNode;
import dev.amalgam.safetensors.DType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A model folder's Hugging Face {@code config.json}, the one reader of that file: the merge planner, the
 * search genome, the tokenizer and the forward pass ({@link #decoder}) all read it here. The whole JSON is
 * kept so the merged model's config can be written as the donor's with only the changed fields updated.
 * Missing or malformed fields are reported (naming the file and field) when asked for.
 */
public final class ModelConfig {
    public static final String FILE_NAME = "config.json";
    private static final String EXPECTED_FILE = "the Hugging Face config.json of a model folder";
    private static final String POSITIVE = "a positive integer";
    private static final String NUMBER = "a number";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ConfigNode root; // never handed out: updatedJson works on a copy

    private ModelConfig(ConfigNode root) {
        this.root = root;
    }

    /** Reads {@code <modelFolder>/config.json}. */
    public static ModelConfig read(Path modelFolder) {
        return new ModelConfig(ConfigNode.readJson(modelFolder.resolve(FILE_NAME), EXPECTED_FILE).mapping("a JSON object"));
    }

    /** Reads {@code <modelFolder>/config.json} if the folder has one (a tokenizer folder need not). */
    public static Optional<ModelConfig> readIfPresent(Path modelFolder) {
        return Files.isRegularFile(modelFolder.resolve(FILE_NAME)) ? Optional.of(read(modelFolder)) : Optional.empty();
    }

    public Path file() {
        return root.file();
    }

    public boolean has(String field) {
        return root.get(field).isPresent();
    }

    /** {@code architectures[0]}, e.g. {@code LlamaForCausalLM}. */
    public String architecture() {
        return root.get("architectures").nonEmptyList("a list like [\"LlamaForCausalLM\"]").getFirst().text("an architecture name");
    }

    /**
     * The layer count under the architecture's key ({@link Architecture#layerCountKey()}); a dotted key
     * names a nested field ({@code text_config.num_hidden_layers} of a vision-language model).
     */
    public int layerCount(String key) {
        return positiveInt(key);
    }

    public int numHiddenLayers() {
        return layerCount("num_hidden_layers");
    }

    public int vocabSize() {
        return positiveInt("vocab_size");
    }

    public int hiddenSize() {
        return positiveInt("hidden_size");
    }

    /** {@code tie_word_embeddings}; absent means false (the default of every known architecture). */
    public boolean tieWordEmbeddings() {
        return flag("tie_word_embeddings");
    }

    /** A true/false field; absent means false. */
    public boolean flag(String field) {
        return root.get(field).bool(false);
    }

    /** A special token id such as {@code bos_token_id} (the first when it is a list); empty when absent or not an id. */
    public OptionalInt tokenId(String field) {
        JsonNode id = root.get(field).json();
        id = id.isArray() ? id.path(0) : id;
        return id.isIntegralNumber() && id.canConvertToInt() ? OptionalInt.of(id.intValue()) : OptionalInt.empty();
    }

    /**
     * The typed view a forward pass runs on. The architecture must be a catalogue entry run by
     * {@code forwardPass}; its entry gives the tensors and shapes, this file the sizes.
     */
    public DecoderConfig decoder(String forwardPass) {
        ConfigNode archNode = root.get("architectures");
        String name = architecture();
        Architecture arch = Architecture.known(name).filter(a -> forwardPass.equals(a.forwardPass()))
                .orElseThrow(() -> archNode.error("'" + name + "' has no " + forwardPass + " forward pass; expected one of "
                        + Architecture.namesRunBy(forwardPass)));
        int hidden = positiveInt("hidden_size");
        int heads = positiveInt("num_attention_heads");
        int kvHeads = root.get("num_key_value_heads").isPresent() ? positiveInt("num_key_value_heads") : heads;
        int headDim = root.get("head_dim").isPresent() ? positiveInt("head_dim") : hidden / heads;
        int intermediate = positiveInt("intermediate_size");
        int layers = positiveInt(arch.layerCountKey());
        int vocab = vocabSize();
        int context = positiveInt("max_position_embeddings");
        double eps = root.get("rms_norm_eps").number(NUMBER);
        double theta = root.get("rope_theta").number(NUMBER, 10000.0);
        RopeScaling scaling = ropeScaling();
        return root.build(() -> new DecoderConfig(arch, hidden, intermediate, layers, heads, kvHeads, headDim, vocab,
                context, eps, theta, scaling, tieWordEmbeddings(), flag("attention_bias")));
    }

    /** {@code rope_scaling}: null, type default, or llama3 (the one rescaling the forward pass implements). */
    private RopeScaling ropeScaling() {
        ConfigNode n = root.get("rope_scaling");
        if (!n.isPresent()) {
            return null;
        }
        n.mapping("a mapping with rope_type");
        ConfigNode type = n.get("type").isPresent() && !n.get("rope_type").isPresent() ? n.get("type") : n.get("rope_type");
        String expected = "llama3 or default (the rope_scaling types the forward pass runs)";
        String kind = type.scalar(expected);
        if (kind.equals("default")) {
            return null;
        }
        if (!kind.equals("llama3")) {
            throw type.expected(expected);
        }
        double factor = n.get("factor").number(NUMBER);
        double low = n.get("low_freq_factor").number(NUMBER);
        double high = n.get("high_freq_factor").number(NUMBER);
        int original = n.get("original_max_position_embeddings").integer("an integer");
        return n.build(() -> new RopeScaling(factor, low, high, original));
    }

    /**
     * This config as the output model's config.json: the layer count and dtype replaced and, when
     * {@code vocabSize} is not null, the vocabulary size. Transformers >= 4.56 spells the dtype key
     * {@code dtype}; it is updated too when present.
     */
    public String updatedJson(String layerCountKey, int numLayers, DType dtype, Integer vocabSize) {
        ObjectNode out = ((ObjectNode) root.json()).deepCopy();
        String[] path = layerCountKey.split("\\.");
        ObjectNode holder = out;
        for (int i = 0; i < path.length - 1; i++) {
            holder = holder.withObjectProperty(path[i]);
        }
        holder.put(path[path.length - 1], numLayers);
        out.put("torch_dtype", dtype.torchName());
        if (out.has("dtype")) {
            out.put("dtype", dtype.torchName());
        }
        if (vocabSize != null) {
            out.put("vocab_size", vocabSize);
        }
        try {
            return JSON.writeValueAsString(out) + "\n";
        } catch (JacksonException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** A positive integer field; {@code a.b} names field b of object a. */
    private int positiveInt(String key) {
        ConfigNode n = root;
        for (String part : key.split("\\.")) {
            n = n.get(part);
        }
        int v = n.integer(POSITIVE);
        if (v <= 0) {
            throw n.expected(POSITIVE);
        }
        return v;
    }
}
