package dev.amalgam.zoo;

import com.sun.management.OperatingSystemMXBean;
import dev.amalgam.BadInputException;
import dev.amalgam.ChildAmalgam;
import dev.amalgam.Fixtures;
import dev.amalgam.cli.AmalgamCommand;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.TextTokenizer;
import dev.amalgam.safetensors.SafetensorsModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One real zoo build (default recipe, temp folder) shared by every test; the last test corrupts and rebuilds it. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZooBuildTest {
    private static final String ARITHMETIC = new ArithmeticSkill().name();
    private static final String PETS = new PetSkill().name();
    private static final String COLORS = new ColorSkill().name();
    private static final String SHUFFLED = PETS + "_shuffled";
    private static final List<String> GOLD = List.of(ARITHMETIC, PETS, COLORS);

    @TempDir
    static Path tmp;
    static ZooSpec spec;
    static ZooLayout zoo;
    static double buildCpuSeconds;

    @BeforeAll
    static void build() {
        Fixtures.stories260K(); // the default base: skip the class when the fixture is missing
        spec = ZooSpec.defaults().withDir(tmp.resolve("zoo"));
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        zoo = Zoo.ensureBuilt(spec, ZooProgress.NONE);
        buildCpuSeconds = (processCpuNanos() - cpu) / 1e9;
        System.out.printf("zoo build: %.1f s wall, %.1f s CPU; validation acc %s%n", (System.nanoTime() - start) / 1e9,
                buildCpuSeconds, zoo.validationAccuracy());
    }

    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    @Test
    @Order(1)
    void buildsWellWithinFiveMinutesOfCpu() {
        assertTrue(zoo.rebuilt());
        // CPU time, not wall time: the machine is shared, and the budget is about the work done.
        assertTrue(buildCpuSeconds < 240, "the build took " + buildCpuSeconds + " s of CPU");
    }

    @Test
    @Order(2)
    void eachSpecialistLearnsItsSkillAndOnlyIt() {
        Map<String, Map<String, Double>> acc = zoo.validationAccuracy();
        assertEquals(List.of(ZooLayout.BASE, ARITHMETIC, PETS, COLORS, SHUFFLED), List.copyOf(acc.keySet()));
        for (String skill : GOLD) {
            assertTrue(acc.get(ZooLayout.BASE).get(skill) < 0.45, "the base already knows " + skill + ": " + acc);
            assertTrue(acc.get(skill).get(skill) >= acc.get(ZooLayout.BASE).get(skill) + 0.30, skill + ": " + acc);
            for (String other : GOLD.stream().filter(o -> !o.equals(skill)).toList()) {
                assertTrue(acc.get(other).get(skill) <= acc.get(skill).get(skill) - 0.30,
                        "the " + other + " specialist should be clearly worse on " + skill + ": " + acc);
            }
        }
    }

    /** Shuffled labels teach nothing about the pets: that specialist stays near chance (4 choices) on its own skill. */
    @Test
    @Order(2)
    void theShuffledLabelSpecialistIsNearChanceOnItsSkill() {
        double own = zoo.validationAccuracy().get(SHUFFLED).get(PETS);
        // 100 items at p = 0.25 have a standard error of 0.043: 0.15 is 3.5 of them.
        assertEquals(0.25, own, 0.15, "shuffled-label specialist on " + PETS);
        assertTrue(own <= zoo.validationAccuracy().get(PETS).get(PETS) - 0.40, zoo.validationAccuracy().toString());
    }

    @Test
    @Order(3)
    void specialistsAreShardedHuggingFaceFoldersThatLoad() throws IOException {
        for (Path dir : zoo.specialists().values()) {
            for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json", SafetensorsModel.INDEX_FILE)) {
                assertTrue(Files.isRegularFile(dir.resolve(file)), dir + " lacks " + file);
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertTrue(files.filter(f -> f.toString().endsWith(".safetensors")).count() >= 2, dir + " is not sharded");
            }
            try (LlamaModel model = LlamaModel.load(dir, ai.djl.Device.cpu())) {
                assertEquals(512, model.vocabSize());
            }
        }
        for (Path task : zoo.taskFiles()) {
            assertTrue(Files.isRegularFile(task), task.toString());
        }
        assertTrue(Files.isRegularFile(zoo.dataDir().resolve(ARITHMETIC).resolve("validation.jsonl")));
    }

    @Test
    @Order(4)
    void taskVectorsDifferAndUntouchedTensorsAreBitIdentical() {
        List<String> names = List.copyOf(zoo.specialists().keySet());
        int n = names.size();
        double[][] dot = new double[n][n]; // dot[i][j] of task vectors i and j (all trained tensors)
        double normBase = 0;
        int trained = 0;
        try (SafetensorsModel base = SafetensorsModel.open(zoo.base())) {
            List<SafetensorsModel> models = names.stream().map(m -> SafetensorsModel.open(zoo.specialists().get(m))).toList();
            try {
                for (String name : base.tensorNames()) {
                    float[] w = base.slice(name).toFloatArray();
                    List<float[]> ws = models.stream().map(m -> m.slice(name).toFloatArray()).toList();
                    if (!Zoo.FINE_TUNE.trains(name)) {
                        for (int i = 0; i < n; i++) {
                            assertArrayEquals(bits(w), bits(ws.get(i)), name + " differs in " + names.get(i));
                        }
                        continue;
                    }
                    trained++;
                    for (int k = 0; k < w.length; k++) {
                        normBase += (double) w[k] * w[k];
                        for (int i = 0; i < n; i++) {
                            for (int j = i; j < n; j++) {
                                dot[i][j] += ((double) ws.get(i)[k] - w[k]) * ((double) ws.get(j)[k] - w[k]);
                            }
                        }
                    }
                }
            } finally {
                models.forEach(SafetensorsModel::close);
            }
        }
        assertEquals(5 * 7, trained, "q/k/v/o and gate/up/down of 5 layers");
        for (int i = 0; i < n; i++) {
            double relative = Math.sqrt(dot[i][i] / normBase);
            assertTrue(relative > 0.01, names.get(i) + "'s task vector is trivial: |tv| / |base| = " + relative);
            for (int j = i + 1; j < n; j++) {
                double cosine = dot[i][j] / Math.sqrt(dot[i][i] * dot[j][j]);
                System.out.printf("cosine(%s, %s) = %.3f%n", names.get(i), names.get(j), cosine);
                assertTrue(Math.abs(cosine) < 0.5, names.get(i) + " and " + names.get(j) + " are too similar: cosine " + cosine);
            }
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    @Test
    @Order(5)
    void aVerifiedBuildIsReusedAndTheCliPrintsTheTable() {
        ZooLayout again = Zoo.ensureBuilt(spec, ZooProgress.NONE);
        assertFalse(again.rebuilt());
        assertEquals(zoo.validationAccuracy(), again.validationAccuracy());

        StringWriter out = new StringWriter();
        CommandLine cli = AmalgamCommand.newCommandLine();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("zoo", "build", "--out", spec.dir().toString()));
        String text = out.toString();
        assertTrue(text.contains("is up to date"), text);
        assertTrue(text.matches("(?s).*specialist arithmetic\\s+\\d+\\.\\d\\s+\\d+\\.\\d.*"), text);
        assertTrue(text.contains("specialist pets"), text);
        assertTrue(text.contains("specialist pets_shuffled"), text);
    }

    /**
     * What the zoo is for: the shuffled-label specialist hurts. A plain task-arithmetic merge (the project's merge
     * command) of the three gold-label specialists loses clearly in mean validation accuracy when the fourth source
     * joins at the same weight, so a search must learn to weight it near zero.
     */
    @Test
    @Order(6)
    void theShuffledLabelSpecialistHurtsAMerge() throws IOException {
        double gold = mean(taskArithmeticAccuracy(GOLD));
        double all = mean(taskArithmeticAccuracy(List.of(ARITHMETIC, PETS, COLORS, SHUFFLED)));
        System.out.printf("task arithmetic, weight 1: gold specialists %.3f, with the shuffled one %.3f%n", gold, all);
        assertTrue(all < gold - 0.05, "the shuffled-label specialist does not hurt: " + gold + " -> " + all);
    }

    private static Map<String, Double> taskArithmeticAccuracy(List<String> specialists) throws IOException {
        StringBuilder models = new StringBuilder();
        specialists.forEach(m -> models.append("  - model: ").append(zoo.specialists().get(m)).append("\n    parameters: {weight: 1.0}\n"));
        String name = "ta-" + specialists.size();
        Path recipe = tmp.resolve(name + ".yaml");
        Files.writeString(recipe, "merge_method: task_arithmetic\nbase_model: " + zoo.base() + "\nmodels:\n" + models + "dtype: float32\n");
        Path merged = tmp.resolve(name);
        assertEquals(0, AmalgamCommand.newCommandLine().execute("merge", recipe.toString(), merged.toString(), "--no-progress"));
        try (TextTokenizer tokenizer = TextTokenizer.load(zoo.base()); LlamaModel model = LlamaModel.load(merged, ai.djl.Device.cpu())) {
            return SkillEvaluation.prepare(zoo.taskFiles(), zoo.dataDir(), Split.VALIDATION, tokenizer).accuracy(model);
        }
    }

    private static double mean(Map<String, Double> row) {
        return row.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    @Test
    @Order(7)
    void everyKindOfDamageIsDetected() throws IOException {
        String hash = Zoo.recipe(spec).hash();
        Map<String, Consumer<Path>> damages = new HashMap<>();
        damages.put("specialists/" + PETS + "/model-00001-of-00002.safetensors is missing",
                dir -> delete(dir.resolve("specialists").resolve(PETS).resolve("model-00001-of-00002.safetensors")));
        damages.put("base/tokenizer.json has 100 bytes", dir -> truncate(dir.resolve("base/tokenizer.json"), 100));
        damages.put("data/" + ARITHMETIC + "/validation.jsonl was modified", dir -> flipFirstByte(dir.resolve("data").resolve(ARITHMETIC).resolve("validation.jsonl")));
        damages.put("notes.txt is not in the manifest", dir -> write(dir.resolve("notes.txt"), "hello"));
        damages.put("manifest.json is unreadable", dir -> write(dir.resolve(ZooManifest.FILE), "{"));
        assertEquals(Optional.empty(), Zoo.problem(spec.dir(), hash));
        assertEquals(Optional.of("built from another recipe"), Zoo.problem(spec.dir(), "0".repeat(64)));
        int copies = 0;
        for (var damage : damages.entrySet()) {
            Path copy = copyOf(spec.dir(), tmp.resolve("copy" + copies++));
            damage.getValue().accept(copy);
            Optional<String> problem = Zoo.problem(copy, hash);
            assertTrue(problem.isPresent() && problem.get().startsWith(damage.getKey()), damage.getKey() + " -> " + problem);
        }
        Path noManifest = copyOf(spec.dir(), tmp.resolve("copy" + copies));
        delete(noManifest.resolve(ZooManifest.FILE));
        BadInputException e = assertThrows(BadInputException.class, () -> Zoo.problem(noManifest, hash));
        assertTrue(e.getMessage().contains("not a zoo folder"), e.getMessage());
    }

    /** Runs last: it damages the shared zoo and checks the rebuild is the same build (same seed, same files). */
    @Test
    @Order(8)
    void aDamagedZooIsRebuiltToTheSameContent() throws IOException {
        Map<String, byte[]> data = new HashMap<>();
        for (String skill : GOLD) {
            for (Split split : Split.values()) {
                Path file = zoo.dataDir().resolve(skill).resolve(split.fileName());
                data.put(skill + "/" + split.fileName(), Files.readAllBytes(file));
            }
        }
        Map<String, byte[]> models = new HashMap<>();
        for (var specialist : zoo.specialists().entrySet()) {
            try (Stream<Path> files = Files.list(specialist.getValue())) {
                for (Path f : files.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                    models.put(specialist.getKey() + "/" + f.getFileName(), Files.readAllBytes(f));
                }
            }
        }
        Path shard = zoo.specialists().get(ARITHMETIC).resolve("model-00002-of-00002.safetensors");
        delete(shard);
        // What a build killed mid-way leaves: a staging folder of a process that no longer exists.
        Path abandoned = spec.dir().resolveSibling("." + spec.dir().getFileName() + ".partial-2147483646");
        Files.createDirectories(abandoned);

        // The rebuild runs as a user reruns it: `amalgam zoo build` in a fresh JVM.
        List<String> command = ChildAmalgam.command("zoo", "build", "--out", spec.dir().toString(),
                "--base", spec.base().toString(), "--seed", Long.toString(spec.seed()));
        Path log = tmp.resolve("rebuild.log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertEquals(0, child.waitFor(), Files.readString(log));
        } catch (InterruptedException e) {
            child.destroyForcibly();
            throw new IllegalStateException(e);
        }
        assertTrue(Files.readString(log).contains("zoo: built"), Files.readString(log));
        ZooLayout rebuilt = Zoo.ensureBuilt(spec, ZooProgress.NONE);

        assertFalse(rebuilt.rebuilt(), "the child's rebuild verifies");
        assertTrue(Files.isRegularFile(shard));
        assertFalse(Files.exists(abandoned));
        for (var e : data.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(rebuilt.dataDir().resolve(e.getKey())), e.getKey());
        }
        // Same seed, another process: the models are byte-identical too. Until 2026-11-26 they were not (up to 6
        // validation points apart): the fine-tune's backward read memory a garbage collection had freed
        // (GradientAfterScopeTest).
        for (var e : models.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(rebuilt.specialists().get(e.getKey().split("/")[0])
                    .resolve(e.getKey().split("/")[1])), e.getKey());
        }
        assertEquals(zoo.validationAccuracy(), rebuilt.validationAccuracy());
        assertEquals(Optional.empty(), Zoo.problem(spec.dir(), Zoo.recipe(spec).hash()));
    }

    private static Path copyOf(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }

    private static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void truncate(Path file, long size) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void flipFirstByte(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            bytes[0] ^= 1;
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
