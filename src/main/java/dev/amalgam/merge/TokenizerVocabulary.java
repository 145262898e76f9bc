package dev.amalgam.merge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.BadInputException;
import dev.amalgam.arch.TensorRole;
import dev.amalgam.files.ConfigNode;
import dev.amalgam.recipe.MergeRecipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * The guard that keeps a merge from shipping a tokenizer whose ids do not all index a row of the
 * merged embeddings (a {@code tokenizer_source} model with a larger vocabulary than the merge's
 * embedding matrices would otherwise give out-of-range ids: a silently broken model).
 */
final class TokenizerVocabulary {
    private TokenizerVocabulary() {
    }

    /** Throws when the tokenizer in {@code folder} has an id beyond the rows of the planned embedding or lm_head. */
    static void requireFits(Path folder, MergePlan plan, MergeRecipe recipe) {
        int largestId = largestId(folder);
        for (PlannedTensor t : plan.tensors()) {
            boolean rowsAreTokens = plan.architecture().role(t.outputName()).isEmbedding() && t.outShape().length == 2;
            if (rowsAreTokens && largestId >= t.outShape()[0]) {
                String source = recipe.tokenizerSource() == null ? "base" : recipe.tokenizerSource();
                throw new BadInputException(recipe.sourceFile().getFileName() + ": tokenizer_source: " + source
                        + ": the tokenizer in " + folder + " has token ids up to " + largestId + " but the merged '"
                        + t.outputName() + "' has " + t.outShape()[0] + " rows; rebuilding embeddings for a larger"
                        + " vocabulary is not supported yet (leave tokenizer_source out to keep the base's tokenizer)");
            }
        }
    }

    /** The largest token id of {@code tokenizer.json} (model vocabulary and added tokens), or -1 without one. */
    static int largestId(Path folder) {
        Path file = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            return -1;
        }
        JsonNode root = ConfigNode.readJson(file, "a Hugging Face tokenizer.json").json();
        int largest = -1;
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) { // BPE / WordPiece: {token: id}
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                largest = Math.max(largest, it.next().getValue().asInt(-1));
            }
        } else if (vocab.isArray()) { // Unigram: [[token, score], ...], ids are positions
            largest = vocab.size() - 1;
        }
        for (JsonNode added : root.path("added_tokens")) {
            largest = Math.max(largest, added.path("id").asInt(-1));
        }
        return largest;
    }
}
