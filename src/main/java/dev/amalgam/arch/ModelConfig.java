package dev.amalgam.arch;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.BadInputException;
import dev.amalgam.files.JsonFailure;
import dev.amalgam.safetensors.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A model folder's Hugging Face {@code config.json}. The whole JSON is kept so the merged model's
 * config can be written as the donor's with only the changed fields updated. Missing or malformed
 * fields are reported (naming the file and field) when asked for.
 */
public final class ModelConfig {
    public static final String FILE_NAME = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final ObjectNode json; // never handed out: updatedJson works on a copy

    private ModelConfig(Path file, ObjectNode json) {
        this.file = file;
        this.json = json;
    }

    /** Reads {@code <modelFolder>/config.json}. */
    public static ModelConfig read(Path modelFolder) {
        Path file = modelFolder.resolve(FILE_NAME);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": not found (a model folder needs its Hugging Face config.json)", e);
        } catch (JacksonException e) {
            throw new BadInputException(file + ": invalid JSON: " + JsonFailure.describe(e), e);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file + ": expected a JSON object");
        }
        return new ModelConfig(file, (ObjectNode) root);
    }

    public Path file() {
        return file;
    }

    public boolean has(String field) {
        return json.hasNonNull(field);
    }

    /** {@code architectures[0]}, e.g. {@code LlamaForCausalLM}. */
    public String architecture() {
        JsonNode archs = json.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
            throw new BadInputException(file + ": missing field 'architectures' (expected a list like [\"LlamaForCausalLM\"])");
        }
        return archs.get(0).textValue();
    }

    /** The layer count under the architecture's key ({@link Architecture#layerCountKey()}). */
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
        JsonNode v = json.get("tie_word_embeddings");
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new BadInputException(file + ": field 'tie_word_embeddings': expected true or false, got " + v);
        }
        return v.booleanValue();
    }

    /**
     * This config as the output model's config.json: the layer count and dtype replaced and, when
     * {@code vocabSize} is not null, the vocabulary size. Transformers >= 4.56 spells the dtype key
     * {@code dtype}; it is updated too when present.
     */
    public String updatedJson(String layerCountKey, int numLayers, DType dtype, Integer vocabSize) {
        ObjectNode out = json.deepCopy();
        out.put(layerCountKey, numLayers);
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

    private int positiveInt(String field) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            throw new BadInputException(file + ": missing field '" + field + "'");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) {
            throw new BadInputException(file + ": field '" + field + "': expected a positive integer, got " + v);
        }
        return v.intValue();
    }
}
