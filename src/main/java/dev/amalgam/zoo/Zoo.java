package dev.amalgam.zoo;

import ai.djl.Device;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.BadInputException;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.eval.RequestEncoder;
import dev.amalgam.files.AtomicFile;
import dev.amalgam.files.StagedDirectory;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.TextTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The demo model zoo: the base model, the {@link Specialist}s fine-tuned from it (one per synthetic {@link Skill} and
 * one trained on shuffled labels), and the skills' data, in one folder (see {@link ZooLayout}) that
 * {@link #ensureBuilt} builds, or verifies against its manifest and reuses. A folder that is incomplete, edited or built from another recipe is rebuilt, never used.
 */
public final class Zoo {
    /** The skills, each with its data and task file. */
    public static final List<Skill> SKILLS = List.of(new ArithmeticSkill(), new PetSkill(), new ColorSkill());
    /** One gold-label specialist per skill, and one that only hurts: the pets rows with shuffled labels. */
    public static final List<Specialist> SPECIALISTS = List.of(Specialist.of(SKILLS.get(0)), Specialist.of(SKILLS.get(1)),
            Specialist.of(SKILLS.get(2)), Specialist.shuffled(SKILLS.get(1)));
    static final SkillDataset.Sizes SIZES = new SkillDataset.Sizes(1000, 100, 100);
    /**
     * Every specialist trains attention and MLP of every layer (the same tensors, so their task vectors interfere in a
     * merge and per-layer, per-filter weights matter).
     */
    static final FineTuneRecipe FINE_TUNE = new FineTuneRecipe(150, 32, 1e-3, "model\\.layers\\.[0-9]+\\.(self_attn|mlp)\\..*");
    /** Small shards, so specialists are sharded folders like real checkpoints. */
    static final long MAX_SHARD_BYTES = 512 * 1024;
    static final String ACCURACY_FILE = "accuracy.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Zoo() {
    }

    /** Returns the zoo at {@code spec.dir()}, building it first unless a verified build of the same recipe is there. */
    public static ZooLayout ensureBuilt(ZooSpec spec, ZooProgress progress) {
        ZooRecipe recipe = recipe(spec);
        Optional<String> problem = problem(spec.dir(), recipe.hash());
        if (problem.isEmpty()) {
            return layout(spec, false);
        }
        // No thread-count tuning here: changing PyTorch's intra-op thread count mid-process made later builds in the
        // same JVM differ in their last bits (kernels set up under one count are reused under another), and a
        // rebuild must reproduce the build exactly. With OMP_WAIT_POLICY=PASSIVE the default count costs ~10 s.
        build(spec, recipe, problem.get(), progress);
        return layout(spec, true);
    }

    /** Empty when {@code dir} holds a complete, unmodified zoo of the recipe with this hash; else what is wrong. */
    static Optional<String> problem(Path dir, String recipeHash) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": is a file, not a zoo folder; refusing to replace it");
        }
        if (!Files.isDirectory(dir)) {
            return Optional.of("no zoo at " + dir);
        }
        if (!Files.exists(dir.resolve(ZooManifest.FILE))) {
            if (isEmpty(dir)) {
                return Optional.of("no zoo at " + dir);
            }
            throw new BadInputException(dir + ": not a zoo folder (no " + ZooManifest.FILE + "); refusing to replace it");
        }
        Optional<ZooManifest> manifest = ZooManifest.read(dir);
        if (manifest.isEmpty()) {
            return Optional.of(ZooManifest.FILE + " is unreadable");
        }
        List<String> differences = manifest.get().differences(ZooManifest.describe(dir, recipeHash));
        if (differences.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(String.join("; ", differences.subList(0, Math.min(3, differences.size())))
                + (differences.size() > 3 ? " (and " + (differences.size() - 3) + " more)" : ""));
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    static ZooRecipe recipe(ZooSpec spec) {
        ModelConfig.read(spec.base()).decoder(LlamaModel.FORWARD_PASS); // a clear error for a folder that is not a model
        for (Path task : taskFiles(spec)) {
            if (!Files.isRegularFile(task)) {
                throw new BadInputException(task + ": demo task file not found (expected in " + spec.tasksDir() + ")");
            }
        }
        return new ZooRecipe(spec.seed(), SKILLS.stream().map(Skill::name).toList(),
                SPECIALISTS.stream().map(s -> s.name() + (s.shuffledLabels() ? " (shuffled labels)" : "")).toList(),
                SIZES, FINE_TUNE, MAX_SHARD_BYTES,
                ContentHash.ofFolder(spec.base()), ContentHash.ofFolder(spec.tasksDir()));
    }

    private static List<Path> taskFiles(ZooSpec spec) {
        return SKILLS.stream().map(s -> spec.tasksDir().resolve(s.name() + ".yaml")).toList();
    }

    private static void build(ZooSpec spec, ZooRecipe recipe, String reason, ZooProgress progress) {
        progress.rebuilding(reason, 1 + SKILLS.size() + SPECIALISTS.size() * (1L + FINE_TUNE.steps()) + 1 + SPECIALISTS.size());
        // Staging also removes what killed builds left next to the zoo.
        try (StagedDirectory staged = new StagedDirectory(spec.dir())) {
            Path root = staged.path();
            Path base = root.resolve("base");
            ModelFolderWriter.copyFiles(spec.base(), createDirectories(base), name -> true);
            progress.advance("base copied", 1);
            Map<Skill, SkillDataset> data = new LinkedHashMap<>();
            for (Skill skill : SKILLS) {
                SkillDataset dataset = SkillDataset.generate(skill, spec.seed(), SIZES);
                dataset.write(root.resolve("data").resolve(skill.name()));
                data.put(skill, dataset);
                progress.advance(skill.name() + " data", 1);
            }
            Map<String, Map<String, Double>> accuracy = new LinkedHashMap<>();
            try (TextTokenizer tokenizer = TextTokenizer.load(base)) {
                RequestEncoder encoder = new RequestEncoder(tokenizer);
                for (Specialist specialist : SPECIALISTS) {
                    String stage = "fine-tune " + specialist.name();
                    long seed = spec.seed() ^ specialist.name().hashCode();
                    SkillDataset dataset = data.get(specialist.skill());
                    List<SkillItem> rows = specialist.shuffledLabels() ? dataset.withShuffledLabels(Split.TRAIN, seed)
                            : dataset.split(Split.TRAIN);
                    try (LlamaModel model = LlamaModel.load(base, Device.cpu())) {
                        new FineTuner(model, encoder).train(rows, FINE_TUNE, seed, step -> progress.advance(stage, 1));
                        Path out = createDirectories(root.resolve("specialists").resolve(specialist.name()));
                        new ModelFolderWriter(MAX_SHARD_BYTES).write(model, base, out);
                    }
                    progress.advance(specialist.name() + " written", 1);
                }
                SkillEvaluation evaluation = SkillEvaluation.prepare(taskFiles(spec), root.resolve("data"), Split.VALIDATION, tokenizer);
                accuracy.put(ZooLayout.BASE, score(evaluation, base));
                progress.advance("scored " + ZooLayout.BASE, 1);
                for (Specialist specialist : SPECIALISTS) {
                    accuracy.put(specialist.name(), score(evaluation, root.resolve("specialists").resolve(specialist.name())));
                    progress.advance("scored " + specialist.name(), 1);
                }
            }
            try {
                AtomicFile.writeString(root.resolve(ACCURACY_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(accuracy) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + ACCURACY_FILE, e);
            }
            // The manifest goes last: a folder without one (or with a stale one) is never taken as built.
            ZooManifest.describe(root, recipe.hash()).write(root, recipe.toJson());
            staged.commit(existing -> { }); // problem() refused to go on with anything but a stale zoo or an empty folder
        }
    }

    private static Map<String, Double> score(SkillEvaluation evaluation, Path modelDir) {
        try (LlamaModel model = LlamaModel.load(modelDir, Device.cpu())) {
            return evaluation.accuracy(model);
        }
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static ZooLayout layout(ZooSpec spec, boolean rebuilt) {
        Path dir = spec.dir().toAbsolutePath().normalize();
        Map<String, Path> specialists = new LinkedHashMap<>();
        SPECIALISTS.forEach(s -> specialists.put(s.name(), dir.resolve("specialists").resolve(s.name())));
        Map<String, Map<String, Double>> accuracy;
        try {
            accuracy = JSON.readValue(dir.resolve(ACCURACY_FILE).toFile(), new TypeReference<LinkedHashMap<String, Map<String, Double>>>() {
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(ACCURACY_FILE), e);
        }
        return new ZooLayout(dir, dir.resolve("base"), specialists, dir.resolve("data"), taskFiles(spec), accuracy, rebuilt);
    }
}
