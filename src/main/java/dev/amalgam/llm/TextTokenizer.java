package dev.amalgam.llm;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.amalgam.BadInputException;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.files.ConfigNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A model's {@code tokenizer.json} (HF tokenizers via DJL; never truncates or pads). With special
 * tokens, BOS follows {@code add_bos_token} from {@code tokenizer_config.json} when that is set, whatever
 * the post-processor does, and is never doubled.
 */
public final class TextTokenizer implements AutoCloseable {
    public static final String FILE = "tokenizer.json";
    public static final String CONFIG_FILE = "tokenizer_config.json";

    private final HuggingFaceTokenizer tokenizer;
    private final Optional<Boolean> addBosToken; // empty: leave it to the post-processor
    private final OptionalInt bos;
    private final OptionalInt eos;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, Optional<Boolean> addBosToken, OptionalInt bos, OptionalInt eos) {
        this.tokenizer = tokenizer;
        this.addBosToken = addBosToken;
        this.bos = bos;
        this.eos = eos;
    }

    public static TextTokenizer load(Path modelDir) {
        Path file = modelDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": not found (the model folder needs a Hugging Face " + FILE + ")");
        }
        JsonNode tokenizerConfig = readJson(modelDir.resolve(CONFIG_FILE));
        Optional<ModelConfig> modelConfig = ModelConfig.readIfPresent(modelDir);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(false)
                    .optTruncation(false).optPadding(false).build();
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file + ": cannot load tokenizer (" + e.getMessage() + ")", e);
        }
        try {
            JsonNode addBos = tokenizerConfig.path("add_bos_token");
            return new TextTokenizer(tokenizer, addBos.isBoolean() ? Optional.of(addBos.booleanValue()) : Optional.empty(),
                    specialId(tokenizer, tokenizerConfig.path("bos_token"), configId(modelConfig, "bos_token_id")),
                    specialId(tokenizer, tokenizerConfig.path("eos_token"), configId(modelConfig, "eos_token_id")));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static OptionalInt configId(Optional<ModelConfig> config, String field) {
        return config.map(c -> c.tokenId(field)).orElse(OptionalInt.empty());
    }

    /** An empty node when the file is absent (tokenizer_config.json is optional). */
    private static JsonNode readJson(Path file) {
        return Files.isRegularFile(file) ? ConfigNode.readJson(file, CONFIG_FILE).json() : JsonNodeFactory.instance.objectNode();
    }

    /**
     * The id of a special token named in tokenizer_config.json ("&lt;s&gt;" or {"content": "&lt;s&gt;"}),
     * else config.json's id (the first one when it is a list).
     */
    private static OptionalInt specialId(HuggingFaceTokenizer tokenizer, JsonNode token, OptionalInt configId) {
        String content = token.isTextual() ? token.asText() : token.path("content").asText("");
        if (!content.isEmpty()) {
            long[] ids = tokenizer.encode(content, false, false).getIds();
            if (ids.length == 1) {
                return OptionalInt.of((int) ids[0]);
            }
        }
        return configId;
    }

    public int[] encode(String text, boolean addSpecialTokens) {
        int[] ids = toInts(tokenizer.encode(text, addSpecialTokens, false).getIds());
        if (!addSpecialTokens || addBosToken.isEmpty() || bos.isEmpty()) {
            return ids;
        }
        int b = bos.getAsInt();
        boolean starts = ids.length > 0 && ids[0] == b;
        if (addBosToken.get() && !starts) {
            int[] withBos = new int[ids.length + 1];
            withBos[0] = b;
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
        }
        if (!addBosToken.get() && starts && !startsWith(encode(text, false), b)) {
            return Arrays.copyOfRange(ids, 1, ids.length); // the post-processor added it, the config says no
        }
        return ids;
    }

    private static boolean startsWith(int[] ids, int id) {
        return ids.length > 0 && ids[0] == id;
    }

    /** Text for the ids, special tokens skipped. */
    public String decode(int[] ids) {
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), true);
    }

    public OptionalInt bosId() {
        return bos;
    }

    public OptionalInt eosId() {
        return eos;
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
