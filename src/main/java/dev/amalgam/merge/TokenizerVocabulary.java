package dev.amalgam.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.BadInputException;
import dev.amalgam.files.ConfigNode;
import dev.amalgam.recipe.MergeRecipe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json}: its tokens and ids (model vocabulary, then added tokens), read,
 * changed the ways mergekit's {@code tokenizer/build.py} changes a tokenizer (stripped of ids without an
 * embedding row, tokens added) and written back. Also the guard that keeps a merge without a tokenizer
 * setting from shipping a tokenizer whose ids do not all index a row of the merged embeddings.
 */
final class TokenizerVocabulary {
    static final String FILE = "tokenizer.json";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ObjectNode root; // the whole file, kept for writing
    private final Map<String, Integer> ids = new LinkedHashMap<>(); // token -> id: model vocabulary, then added tokens
    private final Map<String, ObjectNode> added = new LinkedHashMap<>(); // content -> added_tokens entry

    private TokenizerVocabulary(ObjectNode root) {
        this.root = root;
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) { // BPE / WordPiece: {token: id}
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                ids.put(e.getKey(), e.getValue().asInt(-1));
            }
        } else if (vocab.isArray()) { // Unigram: [[token, score], ...], ids are positions
            for (int i = 0; i < vocab.size(); i++) {
                ids.put(vocab.get(i).path(0).asText(), i);
            }
        }
        for (JsonNode entry : root.path("added_tokens")) {
            String content = entry.path("content").asText();
            ids.putIfAbsent(content, entry.path("id").asInt(-1));
            added.putIfAbsent(content, (ObjectNode) entry);
        }
    }

    /** The tokenizer.json of {@code folder}; {@code where} names the setting that needs it in the error when it is missing. */
    static TokenizerVocabulary read(Path folder, String where) {
        Path file = folder.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(where + ": " + folder + " has no " + FILE + " (its embedding rows cannot be"
                    + " matched to tokens without it)");
        }
        return new TokenizerVocabulary(ConfigNode.readJson(file, "a Hugging Face tokenizer.json").mapping("a JSON object")
                .json().deepCopy());
    }

    /** Token -> id, model vocabulary then added tokens (what transformers' get_vocab() holds). */
    Map<String, Integer> ids() {
        return Collections.unmodifiableMap(ids);
    }

    /** The added tokens ({@code added_tokens} entries), in file order. */
    List<ObjectNode> addedTokens() {
        return List.copyOf(added.values());
    }

    boolean isAdded(String token) {
        return added.containsKey(token);
    }

    /** Whether both are the same JSON (formatting aside). */
    boolean sameContent(TokenizerVocabulary other) {
        return root.equals(other.root);
    }

    /** The largest id, or -1 when empty. */
    int largestId() {
        return ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
    }

    /**
     * This tokenizer without the tokens whose ids are {@code rows} or more (mergekit's get_stripped_tokenizer:
     * from the vocabulary, the added tokens and the BPE merges that use them); itself when none are.
     */
    TokenizerVocabulary stripped(long rows, String where) {
        List<String> unused = ids.entrySet().stream().filter(e -> e.getValue() >= rows).map(Map.Entry::getKey).toList();
        if (unused.isEmpty()) {
            return this;
        }
        ObjectNode copy = root.deepCopy();
        ObjectNode model = (ObjectNode) copy.path("model");
        if (!model.path("vocab").isObject() || !"BPE".equals(model.path("type").asText("BPE"))) {
            throw new BadInputException(where + ": the tokenizer has " + unused.size() + " tokens beyond the model's " + rows
                    + " embedding rows and is of type " + model.path("type").asText("?") + "; only BPE tokenizers can be"
                    + " stripped of them (as mergekit)");
        }
        ObjectNode vocab = (ObjectNode) model.get("vocab");
        unused.forEach(vocab::remove);
        ArrayNode keptAdded = NODES.arrayNode();
        copy.path("added_tokens").forEach(e -> {
            if (e.path("id").asInt(-1) < rows) {
                keptAdded.add(e);
            }
        });
        copy.set("added_tokens", keptAdded);
        if (model.path("merges").isArray()) {
            ArrayNode kept = NODES.arrayNode();
            for (JsonNode m : model.get("merges")) { // "a b" or ["a", "b"]
                List<String> parts = new ArrayList<>();
                if (m.isArray()) {
                    m.forEach(p -> parts.add(p.asText()));
                } else {
                    parts.addAll(List.of(m.asText().split(" ", -1)));
                }
                if (parts.stream().noneMatch(unused::contains)) {
                    kept.add(m);
                }
            }
            model.set("merges", kept);
        }
        return new TokenizerVocabulary(copy);
    }

    /**
     * This tokenizer with {@code tokens} added as transformers' {@code add_tokens} adds them: one that is
     * already an added token is left as it is, one in the model vocabulary becomes an added token at its id,
     * a new one gets the next id. Each is an {@code added_tokens} object (its {@code id} is set here).
     */
    TokenizerVocabulary withAdded(List<ObjectNode> tokens) {
        ObjectNode copy = root.deepCopy();
        ArrayNode entries = copy.withArray("added_tokens");
        int next = largestId() + 1;
        Set<String> done = new HashSet<>(added.keySet());
        for (ObjectNode t : tokens) {
            String content = t.path("content").asText();
            if (!done.add(content)) {
                continue;
            }
            ObjectNode entry = t.deepCopy();
            Integer id = ids.get(content);
            entry.put("id", id != null ? id : next++);
            entries.add(reorder(entry));
        }
        // tokenizers saves added tokens in id order
        List<JsonNode> sorted = new ArrayList<>();
        entries.forEach(sorted::add);
        sorted.sort(Comparator.comparingInt(e -> e.path("id").asInt()));
        entries.removeAll();
        entries.addAll(sorted);
        return new TokenizerVocabulary(copy);
    }

    /** An added_tokens entry with tokenizers' field order (id first). */
    private static ObjectNode reorder(ObjectNode entry) {
        ObjectNode out = NODES.objectNode().put("id", entry.get("id").asInt());
        entry.properties().forEach(e -> {
            if (!e.getKey().equals("id")) {
                out.set(e.getKey(), e.getValue());
            }
        });
        return out;
    }

    /** An added_tokens entry for a plain token, as {@code add_tokens("tok")} makes it (not special, normalized). */
    static ObjectNode plainToken(String content) {
        return NODES.objectNode().put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", true).put("special", false);
    }

    /** Writes this tokenizer as {@code dir/tokenizer.json}. */
    void write(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            Files.writeString(file, root.toPrettyString() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The {@code added_tokens_decoder} of a tokenizer_config.json for this tokenizer: id -> the entry without its id. */
    ObjectNode addedTokensDecoder() {
        ObjectNode decoder = NODES.objectNode();
        added.values().stream().sorted((a, b) -> Integer.compare(a.path("id").asInt(), b.path("id").asInt())).forEach(e -> {
            ObjectNode info = e.deepCopy();
            info.remove("id");
            decoder.set(String.valueOf(e.path("id").asInt()), info);
        });
        return decoder;
    }

    /**
     * Throws when the tokenizer in {@code folder} (copied as it is: the recipe sets no tokenizer) has an id
     * beyond the rows of the planned embedding or lm_head.
     */
    static void requireFits(Path folder, MergePlan plan, MergeRecipe recipe) {
        int largestId = largestId(folder);
        for (PlannedTensor t : plan.tensors()) {
            boolean rowsAreTokens = plan.architecture().role(t.outputName()).isEmbedding() && t.outShape().length == 2;
            if (rowsAreTokens && largestId >= t.outShape()[0]) {
                throw new BadInputException(recipe.sourceFile().getFileName() + ": the tokenizer in " + folder
                        + " has token ids up to " + largestId + " but the merged '" + t.outputName() + "' has "
                        + t.outShape()[0] + " rows (cut to the rows all models have); set tokenizer_source (base, union"
                        + " or the model whose vocabulary the output should have) to rebuild the embeddings for it");
            }
        }
    }

    /** The largest token id of {@code folder}'s tokenizer.json, or -1 without one. */
    static int largestId(Path folder) {
        Path file = folder.resolve(FILE);
        return Files.isRegularFile(file) ? read(folder, "").largestId() : -1;
    }
}
