package dev.amalgam.merge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.amalgam.BadInputException;
import dev.amalgam.arch.TensorRole;
import dev.amalgam.files.ConfigNode;
import dev.amalgam.recipe.MergeRecipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.ObjIntConsumer;

/**
 * The output's tokenizer against the merged vocabulary: the guard that keeps a merge from shipping a
 * tokenizer whose ids do not all index a row of the merged embeddings (a {@code tokenizer_source} model with a larger vocabulary than the merge's
 * embedding matrices would otherwise give out-of-range ids: a silently broken model).
 */
final class TokenizerVocabulary {
    private TokenizerVocabulary() {
    }

    /** Whether every id of the tokenizer in {@code folder} indexes a row of the planned embedding and lm_head. */
    static boolean fits(Path folder, MergePlan plan) {
        int largestId = largestId(folder);
        return plan.tensors().stream().noneMatch(t -> plan.architecture().role(t.outputName()).isEmbedding()
                && t.outShape().length == 2 && largestId >= t.outShape()[0]);
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
                        + t.outputName() + "' has " + t.outShape()[0] + " rows (cut to the rows all models have); name"
                        + " the model whose vocabulary the output should have as tokenizer_source to rebuild the embeddings for it");
            }
        }
    }

    /**
     * {@code tokenizer_source: union} when every input model's tokenizer has the same tokens at the same
     * ids within its embedding rows (fine-tunes of one base): mergekit's union is then that vocabulary,
     * and the reference model's tokenizer is the output's. Differing vocabularies need embeddings rebuilt
     * for the union, which is not supported yet: an error naming the first model that differs.
     */
    static Path unionOfEqualVocabularies(MergePlan plan, MergePlanner.ModelSource models, MergeRecipe recipe) {
        String where = recipe.sourceFile().getFileName() + ": tokenizer_source: union";
        PlannedTensor embedding = plan.tensors().stream()
                .filter(t -> plan.architecture().role(t.outputName()) == TensorRole.EMBEDDING && t.outShape().length == 2)
                .findFirst().orElseThrow(() -> new BadInputException(where + ": the models have no embedding matrix to rebuild"));
        Map<String, Integer> reference = null;
        Path referenceFolder = null;
        for (PlannedTensor.PlannedInput in : embedding.allInputs()) {
            Path folder = plan.modelPaths().get(in.modelIndex());
            long rows = models.model(folder).info(in.tensorName()).shape()[0];
            Map<String, Integer> vocab = vocabulary(folder, rows, where);
            if (reference == null) {
                reference = vocab;
                referenceFolder = folder;
            } else if (!vocab.equals(reference)) {
                throw new BadInputException(where + ": the vocabulary of " + folder + " differs from that of " + referenceFolder
                        + "; a union of differing vocabularies (embeddings rebuilt for it) is not supported yet");
            }
        }
        return plan.referenceModel();
    }

    /** Token -> id of a folder's {@code tokenizer.json}, keeping the ids below {@code rows} (those with an embedding). */
    static Map<String, Integer> vocabulary(Path folder, long rows, String where) {
        Path file = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(where + ": " + folder + " has no tokenizer.json (its embedding rows cannot be"
                    + " matched to tokens without it)");
        }
        Map<String, Integer> ids = new HashMap<>();
        forEachToken(file, (token, id) -> {
            if (id >= 0 && id < rows) {
                ids.put(token, id);
            }
        });
        return ids;
    }

    /** The largest token id of {@code tokenizer.json} (model vocabulary and added tokens), or -1 without one. */
    static int largestId(Path folder) {
        Path file = folder.resolve("tokenizer.json");
        int[] largest = {-1};
        if (Files.isRegularFile(file)) {
            forEachToken(file, (token, id) -> largest[0] = Math.max(largest[0], id));
        }
        return largest[0];
    }

    /** Every (token, id) of a tokenizer.json: the model vocabulary, then the added tokens. */
    private static void forEachToken(Path file, ObjIntConsumer<String> action) {
        JsonNode root = ConfigNode.readJson(file, "a Hugging Face tokenizer.json").json();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) { // BPE / WordPiece: {token: id}
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                action.accept(e.getKey(), e.getValue().asInt(-1));
            }
        } else if (vocab.isArray()) { // Unigram: [[token, score], ...], ids are positions
            for (int i = 0; i < vocab.size(); i++) {
                action.accept(vocab.get(i).path(0).asText(), i);
            }
        }
        for (JsonNode added : root.path("added_tokens")) {
            action.accept(added.path("content").asText(), added.path("id").asInt(-1));
        }
    }
}
