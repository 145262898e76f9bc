package dev.amalgam.merge;

import ai.djl.Device;
import dev.amalgam.files.FileContent;
import dev.amalgam.files.IoFailure;
import dev.amalgam.files.StagedDirectory;
import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.RecipeParser;
import dev.amalgam.recipe.RecipeYaml;
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
     * @param overwrite replace an existing non-empty OUT_DIR that looks like a model folder (see {@link OutDirGuard})
     * @param warnings  receives warnings (one line each, without a prefix)
     */
    public record Options(Path recipe, Path out, long shardBytes, Device device, Long seed, boolean overwrite,
                          Consumer<String> warnings) {
        public Options {
            if (shardBytes <= 0) {
                throw new IllegalArgumentException("shardBytes must be positive");
            }
        }
    }

    public record Result(Path folder, String method, int tensors, long outputBytes, String dtypes, double seconds) {
    }

    private final Options options;
    private final MergeRecipe recipe;
    private final OpenModels models;
    private final MergePlan plan;
    private final OutDirGuard guard;

    private MergeJob(Options options, MergeRecipe recipe, OpenModels models, MergePlan plan, OutDirGuard guard) {
        this.options = options;
        this.recipe = recipe;
        this.models = models;
        this.plan = plan;
        this.guard = guard;
    }

    public static MergeJob prepare(Options options) {
        MergeRecipe recipe = RecipeParser.parse(options.recipe());
        OpenModels models = new OpenModels();
        try {
            MergePlan plan = MergePlanner.plan(recipe, models, options.seed(), options.warnings());
            OutDirGuard guard = OutDirGuard.of(options.out(), options.overwrite(), options.recipe(), plan);
            guard.check();
            return new MergeJob(options, recipe, models, plan, guard);
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
                new MergeKernel(plan.method(), inputs, options.device(), plan.seed(), null, options.warnings()).run(plan.tensors(), new SafetensorsSink(writer), progress);
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
        Path file = dir.resolve("config.json");
        try {
            Files.writeString(file, plan.outputConfig());
            if (plan.tokenizerFrom() != null) {
                for (String f : TOKENIZER_FILES) {
                    Path src = plan.tokenizerFrom().resolve(f);
                    if (Files.isRegularFile(src)) {
                        FileContent.copy(src, dir.resolve(f));
                    }
                }
            }
            if (!Files.isRegularFile(dir.resolve(TOKENIZER))) {
                options.warnings().accept(options.out() + " gets no " + TOKENIZER + " (" + (plan.tokenizerFrom() == null ? "no tokenizer source"
                        : "the tokenizer source " + plan.tokenizerFrom() + " has none") + "), so amalgam eval cannot score it;"
                        + " set tokenizer_source to a model that has one, or copy it in");
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
