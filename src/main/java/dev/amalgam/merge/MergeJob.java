package dev.amalgam.merge;

import ai.djl.Device;
import dev.amalgam.BadInputException;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.files.FileContent;
import dev.amalgam.files.IoFailure;
import dev.amalgam.files.StagedDirectory;
import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.recipe.RecipeParser;
import dev.amalgam.recipe.RecipeYaml;
import dev.amalgam.recipe.TokenizerSettings;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * {@code amalgam merge}: recipe in, HF model folder out. {@link #prepare} parses, opens and plans
 * (every validation error surfaces here, before any output exists); {@link #run} streams the merge
 * into a staged folder and renames it when complete.
 */
public final class MergeJob implements AutoCloseable {
    /** Files copied from the tokenizer source, when present. */
    private static final String TOKENIZER = "tokenizer.json";
    static final List<String> TOKENIZER_FILES = List.of(TOKENIZER, "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json",
            "generation_config.json");
    public static final String RECIPE_FILE = "amalgam_recipe.yaml";

    /**
     * @param copyTokenizer whether the output gets the tokenizer files (mergekit-yaml's --copy-tokenizer, the default)
     * @param overwrite     replace an existing non-empty OUT_DIR that looks like a model folder (see {@link OutDirGuard})
     * @param warnings      where warnings go (one line each, without a prefix)
     */
    public record Options(Path recipe, Path out, long shardBytes, Device device, Long seed, boolean copyTokenizer,
                          boolean overwrite, Consumer<String> warnings) {
        public Options {
            if (shardBytes <= 0) {
                throw new IllegalArgumentException("shardBytes must be positive");
            }
        }

        /** Tokenizer copied, no existing OUT_DIR replaced, warnings to standard error. */
        public Options(Path recipe, Path out, long shardBytes, Device device, Long seed) {
            this(recipe, out, shardBytes, device, seed, true, false, w -> System.err.println("amalgam: warning: " + w));
        }
    }

    public record Result(Path folder, String method, int tensors, long outputBytes, String dtypes, double seconds) {
    }

    private final Options options;
    private final MergeRecipe recipe;
    private final OpenModels models;
    private final MergePlan plan;
    private final Path tokenizerFrom;
    private final OutputVocabulary vocabulary; // null: the recipe sets no tokenizer; the files are copied
    private final Optional<String> chatTemplate;
    private final VocabularyRemap remap; // null: embeddings keep the planned rows
    private final OutDirGuard guard;
    private boolean deviceMath; // see MergeKernel#withDeviceMath

    private MergeJob(Options options, MergeRecipe recipe, OpenModels models, MergePlan plan, Path tokenizerFrom,
                     OutputVocabulary vocabulary, Optional<String> chatTemplate, VocabularyRemap remap, OutDirGuard guard) {
        this.options = options;
        this.recipe = recipe;
        this.models = models;
        this.plan = plan;
        this.tokenizerFrom = tokenizerFrom;
        this.vocabulary = vocabulary;
        this.chatTemplate = chatTemplate;
        this.remap = remap;
        this.guard = guard;
    }

    public static MergeJob prepare(Options options) {
        return prepare(options, RecipeParser.parse(options.recipe()));
    }

    /** Plans an already parsed recipe (one stage of a multi-document recipe). */
    public static MergeJob prepare(Options options, MergeRecipe recipe) {
        OpenModels models = new OpenModels();
        try {
            MergePlan plan = MergePlanner.plan(recipe, models, options.seed(), options.warnings());
            TokenizerSettings settings = recipe.tokenizer();
            // the folder whose tokenizer files the output gets: the named model, else the base (reference) model
            Path tokenizer = settings != null && settings.sourceIsModel() ? recipe.resolveModels().get(new ModelRef(settings.source()))
                    : settings != null || options.copyTokenizer() ? plan.referenceModel() : null;
            OutDirGuard guard = OutDirGuard.of(options.out(), options.overwrite(), options.recipe(), plan.modelPaths(), tokenizer);
            guard.check();
            OutputVocabulary vocabulary = null;
            VocabularyRemap remap = null;
            // mergekit builds the output tokenizer and permutes the embeddings to it whenever a recipe sets a
            // tokenizer (--copy-tokenizer only concerns the base's files copied when none is set)
            VocabularyRemap rebuild = VocabularyRemap.of(recipe, plan, models, options.warnings());
            if (rebuild == null) {
                if (tokenizer != null) {
                    TokenizerVocabulary.requireFits(tokenizer, plan, recipe);
                }
            } else {
                vocabulary = rebuild.vocabulary();
                if (!rebuild.isIdentity(plan)) {
                    remap = rebuild;
                    plan = rebuild.applyTo(plan);
                }
            }
            Optional<String> template = ChatTemplate.resolve(recipe.chatTemplate(), recipe.resolveModels().values(),
                    String.valueOf(recipe.sourceFile().getFileName()));
            return new MergeJob(options, recipe, models, plan, tokenizer, vocabulary, template, remap, guard);
        } catch (RuntimeException e) {
            models.close();
            throw e;
        }
    }

    public MergePlan plan() {
        return plan;
    }

    /** Bytes of input tensor data the merge reads (for progress). */
    public long inputBytes() {
        long n = 0;
        for (PlannedTensor t : plan.tensors()) {
            for (PlannedTensor.PlannedInput in : t.allInputs()) {
                n += models.model(plan.modelPaths().get(in.modelIndex())).info(in.tensorName()).byteLength();
            }
        }
        return n;
    }

    /** Every method runs as DJL ops on the device ({@link MergeKernel#withDeviceMath}): for the GPU check's parity. */
    public MergeJob withDeviceMath() {
        this.deviceMath = true;
        return this;
    }

    public Result run(MergeKernel.Progress progress) {
        long start = System.nanoTime();
        List<TensorSpec> specs = new ArrayList<>();
        TreeSet<String> dtypes = new TreeSet<>();
        for (PlannedTensor t : plan.tensors()) {
            specs.add(new TensorSpec(t.outputName(), t.outDtype(), t.outShape()));
            dtypes.add(t.outDtype().name());
        }
        List<SafetensorsModel> inputs = plan.modelPaths().stream().map(models::model).toList();
        long written;
        try (StagedDirectory staged = new StagedDirectory(options.out(), options.warnings())) {
            guard.check(); // a leftover backup of a killed run may have been restored
            try (SafetensorsWriter writer = new SafetensorsWriter(staged.path(), specs, options.shardBytes(), Map.of("format", "pt"))) {
                MergeKernel kernel = new MergeKernel(plan.method(), inputs, options.device(), plan.seed(), null, options.warnings())
                        .withVocabularyRemap(remap);
                (deviceMath ? kernel.withDeviceMath() : kernel).run(plan.tensors(), new SafetensorsSink(writer), progress);
                writer.finish();
                written = writer.totalBytes();
            }
            writeSidecars(staged.path());
            staged.commit(guard::check);
        }
        return new Result(options.out().toAbsolutePath().normalize(), plan.method().name(), specs.size(), written,
                String.join("+", dtypes), (System.nanoTime() - start) / 1e9);
    }

    /** config.json, tokenizer files and the recipe itself, so the folder is a usable HF model. */
    private void writeSidecars(Path dir) {
        Path file = dir.resolve(ModelConfig.FILE_NAME);
        try {
            DType dtype = recipe.outputDtype() != null ? recipe.outputDtype() : plan.tensors().getFirst().outDtype();
            Files.writeString(file, plan.outputConfig(models.config(plan.referenceModel()), dtype));
            boolean tokenizerWritten = false;
            if (tokenizerFrom != null) {
                for (String f : TOKENIZER_FILES) {
                    Path src = tokenizerFrom.resolve(f);
                    if (Files.isRegularFile(src)) {
                        FileContent.copy(src, dir.resolve(f));
                        tokenizerWritten |= !f.equals("generation_config.json");
                    }
                }
            }
            if (vocabulary != null && vocabulary.rewritten()) { // the union, a stripped base or added tokens
                vocabulary.tokenizer().write(dir);
                Files.deleteIfExists(dir.resolve("added_tokens.json")); // a slow tokenizer's list, now stale
                ChatTemplate.updateTokenizerConfig(dir, "added_tokens_decoder", vocabulary.tokenizer().addedTokensDecoder(), false);
            }
            if (tokenizerFrom != null && !Files.isRegularFile(dir.resolve(TOKENIZER))) { // --no-copy-tokenizer asked for none
                options.warnings().accept(options.out() + " gets no " + TOKENIZER + " (the tokenizer source " + tokenizerFrom
                        + " has none), so amalgam eval cannot score it; set tokenizer_source to a model that has one, or copy it in");
            }
            if (chatTemplate.isPresent()) {
                if (tokenizerWritten) {
                    ChatTemplate.write(dir, chatTemplate.get());
                } else {
                    options.warnings().accept("chat_template is set but the output gets no tokenizer; the template is not saved");
                }
            }
            file = dir.resolve(RECIPE_FILE);
            Files.writeString(file, RecipeYaml.toYaml(recipe));
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot write", file, e), e);
        }
    }

    @Override
    public void close() {
        models.close();
    }
}
