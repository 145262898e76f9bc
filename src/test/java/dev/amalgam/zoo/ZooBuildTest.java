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
        assertTrue(buildCpuSeconds < 150, "the build took " + buildCpuSeconds + " s of CPU");
    }

    @Test
    @Order(2)
    void eachSpecialistLearnsItsSkillAndOnlyIt() {
        Map<String, Map<String, Double>> acc = zoo.validationAccuracy();
        assertEquals(List.of(ZooLayout.BASE, ARITHMETIC, PETS), List.copyOf(acc.keySet()));
        for (String skill : List.of(ARITHMETIC, PETS)) {
            String other = skill.equals(ARITHMETIC) ? PETS : ARITHMETIC;
            assertTrue(acc.get(ZooLayout.BASE).get(skill) < 0.45, "the base already knows " + skill + ": " + acc);
            assertTrue(acc.get(skill).get(skill) >= acc.get(ZooLayout.BASE).get(skill) + 0.30, skill + ": " + acc);
            assertTrue(acc.get(other).get(skill) <= acc.get(skill).get(skill) - 0.30,
                    "the " + other + " specialist should be clearly worse on " + skill + ": " + acc);
        }
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
        try (SafetensorsModel base = SafetensorsModel.open(zoo.base());
             SafetensorsModel a = SafetensorsModel.open(zoo.specialists().get(ARITHMETIC));
             SafetensorsModel b = SafetensorsModel.open(zoo.specialists().get(PETS))) {
            double dot = 0;
            double normA = 0;
            double normB = 0;
            double normBase = 0;
            int trained = 0;
            for (String name : base.tensorNames()) {
                float[] w = base.slice(name).toFloatArray();
                float[] wa = a.slice(name).toFloatArray();
                float[] wb = b.slice(name).toFloatArray();
                if (!Zoo.FINE_TUNE.trains(name)) {
                    assertArrayEquals(bits(w), bits(wa), name + " differs in the arithmetic specialist");
                    assertArrayEquals(bits(w), bits(wb), name + " differs in the pets specialist");
                    continue;
                }
                trained++;
                for (int i = 0; i < w.length; i++) {
                    double da = (double) wa[i] - w[i];
                    double db = (double) wb[i] - w[i];
                    dot += da * db;
                    normA += da * da;
                    normB += db * db;
                    normBase += (double) w[i] * w[i];
                }
            }
            assertEquals(15, trained, "gate/up/down of 5 layers");
            double cosine = dot / Math.sqrt(normA * normB);
            System.out.printf("task vectors: |A| / |base| = %.3f, |B| / |base| = %.3f, cosine(A, B) = %.3f%n",
                    Math.sqrt(normA / normBase), Math.sqrt(normB / normBase), cosine);
            assertTrue(Math.sqrt(normA / normBase) > 0.01 && Math.sqrt(normB / normBase) > 0.01, "task vectors are trivial");
            assertTrue(Math.abs(cosine) < 0.5, "task vectors are too similar: cosine " + cosine);
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
    }

    /**
     * What the zoo is for: a plain task-arithmetic merge of the two specialists (the project's merge command) beats
     * every parent on the mean validation accuracy over both skills, so a merge search has something to find.
     */
    @Test
    @Order(6)
    void aSimpleMergeBeatsEveryParent() throws IOException {
        Path recipe = tmp.resolve("task-arithmetic.yaml");
        Files.writeString(recipe, String.join("\n",
                "merge_method: task_arithmetic",
                "base_model: " + zoo.base(),
                "models:",
                "  - model: " + zoo.specialists().get(ARITHMETIC),
                "    parameters: {weight: 1.0}",
                "  - model: " + zoo.specialists().get(PETS),
                "    parameters: {weight: 1.0}",
                "dtype: float32", ""));
        Path merged = tmp.resolve("merged");
        assertEquals(0, AmalgamCommand.newCommandLine().execute("merge", recipe.toString(), merged.toString(), "--no-progress"));
        Map<String, Double> mergedAcc;
        try (TextTokenizer tokenizer = TextTokenizer.load(zoo.base()); LlamaModel model = LlamaModel.load(merged, ai.djl.Device.cpu())) {
            mergedAcc = SkillEvaluation.prepare(zoo.taskFiles(), zoo.dataDir(), Split.VALIDATION, tokenizer).accuracy(model);
        }
        double mergedMean = mean(mergedAcc);
        System.out.printf("task-arithmetic merge: %s (mean %.3f)%n", mergedAcc, mergedMean);
        zoo.validationAccuracy().forEach((model, row) ->
                assertTrue(mergedMean > mean(row) + 0.05, "the merge (" + mergedAcc + ") does not beat " + model + " (" + row + ")"));
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
        for (String skill : List.of(ARITHMETIC, PETS)) {
            for (Split split : Split.values()) {
                Path file = zoo.dataDir().resolve(skill).resolve(split.fileName());
                data.put(skill + "/" + split.fileName(), Files.readAllBytes(file));
            }
        }
        Path shard = zoo.specialists().get(ARITHMETIC).resolve("model-00002-of-00002.safetensors");
        delete(shard);
        // What a build killed mid-way leaves: a staging folder of a process that no longer exists.
        Path abandoned = spec.dir().resolveSibling("." + spec.dir().getFileName() + ".partial-2147483646");
        Files.createDirectories(abandoned);

        // The rebuild runs as a user reruns it: `amalgam zoo build` in a fresh JVM. Inside this test JVM, after
        // other PyTorch work, a second build drifted by 2-3 points in some full-suite runs (fresh processes
        // reproduce the models bit for bit), so the same-seed comparison is made across processes.
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
        // Same seed, another process: the data above is byte-identical, the models are not. On 2026-11-26 two
        // builds in fresh processes differed by up to 4 validation points (100 items) on this 2-core machine, with
        // MKL_CBWR=COMPATIBLE too; the cause is open (see the issue notes). 5 points still catches a rebuild that
        // trains something else (the specialists sit 60-80 points above the base on their skill).
        zoo.validationAccuracy().forEach((model, row) -> row.forEach((task, acc) ->
                assertEquals(acc, rebuilt.validationAccuracy().get(model).get(task), 0.05 + 1e-9, model + " on " + task)));
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
