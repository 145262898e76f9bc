package dev.amalgam.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.BadInputException;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.recipe.TokenizerSettings;
import dev.amalgam.recipe.TokenizerSettings.TokenSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The output tokenizer and each input model's token permutation, as mergekit's {@code tokenizer/build.py}
 * build_tokenizer makes them: {@code base} is the base model's tokenizer stripped of ids without an
 * embedding row, a model is that model's tokenizer as it is, {@code union} is the base's stripped tokenizer
 * with every other model's tokens added (see {@link #union}); then the tokens the recipe's
 * {@code tokenizer.tokens} names are added.
 *
 * @param tokenizer the output tokenizer (ids 0..n-1)
 * @param rewritten whether {@code tokenizer} differs from the tokenizer.json of its source folder (the base, or
 *                  the named model): then it is written, not copied
 * @param rowOf     plan model index -> output id -> the model's row for that token, or -1 where it lacks it
 * @param baseModel the plan model index of the recipe's base, or -1 without one (embed.py's fallback row)
 * @param rules     output id -> the recipe's setting for that token
 */
record OutputVocabulary(TokenizerVocabulary tokenizer, boolean rewritten, Map<Integer, int[]> rowOf,
                        int baseModel, Map<Integer, Rule> rules) {
    /**
     * A {@code tokenizer.tokens} setting, resolved.
     *
     * @param model the plan index of its source model (-1 for a zero source)
     * @param row   for a model_token source, the row it takes
     * @param where names the setting in errors: {@code recipe.yaml: tokenizer.tokens.TOKEN.source}
     */
    record Rule(TokenSource source, int model, int row, boolean force, String where) {
    }

    static OutputVocabulary build(MergeRecipe recipe, MergePlan plan, MergePlanner.ModelSource models, Consumer<String> warnings) {
        TokenizerSettings settings = recipe.tokenizer();
        String file = String.valueOf(recipe.sourceFile().getFileName());
        String where = file + ": tokenizer_source: " + settings.source();
        List<Path> paths = plan.modelPaths();
        // build.py: base_model is the recipe's base, else the first model (ours: the plan's reference model)
        Path baseFolder = plan.referenceModel();
        TokenizerVocabulary base = TokenizerVocabulary.read(baseFolder, where).stripped(vocabSize(models, baseFolder), where + ": " + baseFolder);
        Map<Integer, TokenizerVocabulary> tokenizers = new LinkedHashMap<>(); // plan index -> tokenizer; base first
        int baseIndex = paths.indexOf(baseFolder);
        tokenizers.put(baseIndex, base);
        for (int i = 0; i < paths.size(); i++) {
            if (i == baseIndex) {
                continue;
            }
            if (Files.isRegularFile(paths.get(i).resolve(TokenizerVocabulary.FILE))) {
                tokenizers.put(i, TokenizerVocabulary.read(paths.get(i), where));
            } else { // build.py: "Unable to load tokenizer for M. Assuming same as BASE."
                warnings.accept(where + ": " + paths.get(i) + " has no " + TokenizerVocabulary.FILE + "; assuming its vocabulary is that of " + baseFolder);
            }
        }
        TokenizerVocabulary output;
        Path filesFrom;
        switch (settings.source()) {
            case TokenizerSettings.BASE -> {
                output = base;
                filesFrom = baseFolder;
            }
            case TokenizerSettings.UNION -> {
                output = union(base, tokenizers, paths, models, warnings, where);
                filesFrom = baseFolder;
            }
            default -> {
                filesFrom = recipe.resolveModels().get(new ModelRef(settings.source()));
                output = TokenizerVocabulary.read(filesFrom, where);
            }
        }
        output = output.withAdded(settings.tokens().keySet().stream().map(TokenizerVocabulary::plainToken).toList());
        Map<String, Integer> ids = output.ids();
        if (output.largestId() + 1 != ids.size()) {
            throw new BadInputException(where + ": the output tokenizer has " + ids.size() + " tokens but ids up to "
                    + output.largestId() + "; its ids must run 0.." + (ids.size() - 1));
        }
        Map<Integer, int[]> rowOf = new LinkedHashMap<>();
        for (int i = 0; i < paths.size(); i++) {
            Map<String, Integer> own = tokenizers.getOrDefault(i, base).ids();
            long limit = vocabSize(models, paths.get(i));
            int[] rows = new int[ids.size()];
            ids.forEach((token, id) -> {
                Integer row = own.get(token);
                rows[id] = row != null && row < limit ? row : -1;
            });
            rowOf.put(i, rows);
        }
        List<String> inNone = ids.entrySet().stream().filter(e -> rowOf.values().stream().allMatch(r -> r[e.getValue()] < 0)
                && !settings.tokens().containsKey(e.getKey())).map(Map.Entry::getKey).toList();
        if (!inNone.isEmpty()) { // embed.py: "Token {token} not found in any model"
            warnings.accept(where + ": " + inNone.size() + " tokens of the output tokenizer have a row in no model (first '"
                    + inNone.getFirst() + "'); their rows are zero");
        }
        boolean rewritten = !output.sameContent(TokenizerVocabulary.read(filesFrom, where));
        int recipeBase = recipe.baseModel() == null ? -1 : paths.indexOf(recipe.resolveModels().get(recipe.baseModel()));
        Map<Integer, Rule> rules = rules(recipe, plan, models, ids, rowOf, tokenizers, base, file);
        return new OutputVocabulary(output, rewritten, rowOf, recipeBase, rules);
    }

    /**
     * build.py's build_union_tokenizer: the base's (stripped) tokenizer, then each model's tokens it lacks
     * (models in recipe order; a model's tokens in id order, where mergekit takes Python's dict order of
     * get_vocab(), which the Rust tokenizer leaves unspecified) added as plain tokens, then every model's added
     * tokens with the settings of the first model that has them. Ids beyond a model's vocab_size are left out.
     */
    private static TokenizerVocabulary union(TokenizerVocabulary base, Map<Integer, TokenizerVocabulary> tokenizers, List<Path> paths,
                                             MergePlanner.ModelSource models, Consumer<String> warnings, String where) {
        Set<String> plain = new LinkedHashSet<>();
        Map<String, ObjectNode> added = new LinkedHashMap<>();
        Set<String> warned = new LinkedHashSet<>();
        tokenizers.forEach((i, tok) -> {
            long limit = vocabSize(models, paths.get(i));
            tok.ids().entrySet().stream().filter(e -> e.getValue() < limit && !tok.isAdded(e.getKey()))
                    .sorted(Map.Entry.comparingByValue()).forEach(e -> plain.add(e.getKey()));
            tok.addedTokens().stream().filter(e -> e.path("id").asInt() < limit)
                    .sorted(Comparator.comparingInt(e -> e.path("id").asInt())).forEach(e -> {
                        String content = e.path("content").asText();
                        ObjectNode first = added.putIfAbsent(content, e);
                        if (first != null && !withoutId(first).equals(withoutId(e)) && warned.add(content)) {
                            warnings.accept(where + ": token '" + content + "' is added with different settings; using the first");
                        }
                    });
        });
        List<ObjectNode> toAdd = new ArrayList<>();
        plain.stream().filter(t -> !added.containsKey(t) && !base.ids().containsKey(t)).forEach(t -> toAdd.add(TokenizerVocabulary.plainToken(t)));
        added.values().forEach(e -> toAdd.add(withoutId(e)));
        return base.withAdded(toAdd);
    }

    private static ObjectNode withoutId(ObjectNode entry) {
        ObjectNode copy = entry.deepCopy();
        copy.remove("id");
        return copy;
    }

    /** The recipe's {@code tokenizer.tokens}, resolved to plan models and rows; bad references are errors naming the key. */
    private static Map<Integer, Rule> rules(MergeRecipe recipe, MergePlan plan, MergePlanner.ModelSource models, Map<String, Integer> ids,
                                            Map<Integer, int[]> rowOf, Map<Integer, TokenizerVocabulary> tokenizers,
                                            TokenizerVocabulary base, String file) {
        Map<Integer, Rule> rules = new LinkedHashMap<>();
        Map<ModelRef, Path> folders = recipe.resolveModels();
        Path recipeDir = recipe.sourceFile().toAbsolutePath().getParent();
        recipe.tokenizer().tokens().forEach((token, setting) -> {
            String where = file + ": tokenizer.tokens." + token + ".source";
            int id = ids.get(token);
            Rule rule = switch (setting.source()) {
                case TokenSource.Zero z -> new Rule(z, -1, -1, setting.force(), where);
                case TokenSource.Model m -> {
                    int model = planIndex(m.model(), folders, recipeDir, plan, where);
                    if (rowOf.get(model)[id] < 0) { // embed.py: "Token {token} not found in model {model}"
                        throw new BadInputException(where + ": model " + m.model() + " has no token '" + token + "'");
                    }
                    yield new Rule(m, model, -1, setting.force(), where);
                }
                case TokenSource.ModelToken mt -> {
                    int model = planIndex(mt.model(), folders, recipeDir, plan, where);
                    Integer row = mt.tokenId();
                    if (row == null) {
                        row = tokenizers.getOrDefault(model, base).ids().get(mt.token());
                        if (row == null) {
                            throw new BadInputException(where + ".token: model " + mt.model() + " has no token '" + mt.token() + "'");
                        }
                    }
                    requireRow(plan, models, model, row, where + (mt.tokenId() != null ? ".token_id" : ".token") + ": token id " + row);
                    yield new Rule(mt, model, row, setting.force(), where);
                }
            };
            rules.put(id, rule);
        });
        return rules;
    }

    private static int planIndex(ModelRef ref, Map<ModelRef, Path> folders, Path recipeDir, MergePlan plan, String where) {
        Path folder = folders.containsKey(ref) ? folders.get(ref) : ref.resolve(recipeDir, where); // named nowhere else
        int index = plan.modelPaths().indexOf(folder);
        if (index < 0) { // embed.py: "Model {model} referenced but not part of merge"
            throw new BadInputException(where + ": model " + ref + " is not one of the merge's models");
        }
        return index;
    }

    /** Throws unless {@code row} indexes a row of each planned embedding matrix of {@code model}. */
    private static void requireRow(MergePlan plan, MergePlanner.ModelSource models, int model, int row, String what) {
        for (PlannedTensor t : plan.tensors()) {
            if (!plan.architecture().role(t.outputName()).isEmbedding() || t.outShape().length != 2) {
                continue;
            }
            for (PlannedTensor.PlannedInput in : t.allInputs()) {
                long rows = models.model(plan.modelPaths().get(in.modelIndex())).info(in.tensorName()).shape()[0];
                if (in.modelIndex() == model && row >= rows) {
                    throw new BadInputException(what + " is out of range: '" + in.tensorName() + "' of "
                            + plan.modelPaths().get(model) + " has " + rows + " rows");
                }
            }
        }
    }

    /** A model's vocab_size (config.json), the ids of its tokenizer that have an embedding row; unbounded without one. */
    private static long vocabSize(MergePlanner.ModelSource models, Path folder) {
        ModelConfig config = models.config(folder);
        return config.has("vocab_size") ? config.vocabSize() : Long.MAX_VALUE;
    }
}
