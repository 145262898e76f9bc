package dev.amalgam.evolve.run;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amalgam.BadInputException;
import dev.amalgam.Fixtures;
import dev.amalgam.cli.AmalgamCommand;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.history.RunFiles;
import dev.amalgam.llm.TextTokenizer;
import dev.amalgam.safetensors.SafetensorsModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny real search (merging and scoring real tensors): journal contents and export equality. */
class EvolveEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void aTasksTestSplitIsRefusedAsTheSearchObjectiveUnlessAllowed() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 6, 2, 8, "run");
        Files.writeString(config, Files.readString(config).replace("search_split: validation", "search_split: test")
                .replace("heldout_split: test", "heldout_split: validation"));
        SearchConfig parsed = SearchConfigYaml.parse(config);
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            BadInputException e = assertThrows(BadInputException.class, () -> TaskSuite.prepare(parsed, "test", tokenizer, true, false));
            assertTrue(e.getMessage().contains("evaluation.search_split: 'test' is the test split of task alpha"), e.getMessage());
            assertTrue(e.getMessage().contains("--allow-test-split"), e.getMessage());
            assertEquals(2 * 8 * 3, TaskSuite.prepare(parsed, "test", tokenizer, true, true).requests());
            assertEquals(2 * 8 * 3, TaskSuite.prepare(parsed, "test", tokenizer, false, false).requests(), "held-out scoring may use it");
        }
        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, AmalgamCommand.newCommandLine().execute("evolve", config.toString(), "--no-progress"));
        assertTrue(Files.notExists(parsed.output().dir().resolve("run")), "a refused search leaves no run folder");
    }

    /** Without output.run_name the folder is named by the clock, read once: the folder announced is the one written. */
    @Test
    void theRunFolderAnnouncedAtTheStartIsTheOneWritten() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 4, 0, 4, "run");
        Files.writeString(config, Files.readString(config).replace("run_name: run", ""));
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(captured, true));
            code = AmalgamCommand.newCommandLine().execute("evolve", config.toString(), "--no-progress");
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString();
        assertEquals(0, code, printed);
        Matcher announced = Pattern.compile("(?m)^searching .* -> (.+)$").matcher(printed);
        Matcher journal = Pattern.compile("(?m)^journal: +(.+)$").matcher(printed);
        assertTrue(announced.find() && journal.find(), printed);
        assertEquals(Path.of(announced.group(1).strip()), Path.of(journal.group(1).strip()));
        try (var runs = Files.list(dir.resolve("results"))) {
            assertEquals(List.of(Path.of(journal.group(1).strip()).getFileName()), runs.map(Path::getFileName).toList());
        }
        // The name is fixed before the run starts (the clock is not read again): run.yaml keeps it.
        Path run = Path.of(journal.group(1).strip());
        assertEquals(run.getFileName().toString(), SearchConfigYaml.parse(run.resolve(RunFiles.RUN)).output().runName());
    }

    @Test
    void searchJournalsEveryCandidateOnceAndExportMergesToTheScoredTensors() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 6, 2, 8, "run");
        EvolveJob.Result result = EvolveJob.start(SearchConfigYaml.parse(config), new EvolveJob.Options(false, Device.cpu(), w -> { }),
                SearchRun.Listener.NONE);
        Path run = result.runDir();
        assertEquals(dir.resolve("results/run").toAbsolutePath().normalize(), run.toAbsolutePath().normalize());

        List<String> candidates = Files.readAllLines(run.resolve(RunFiles.CANDIDATES));
        int columns = candidates.getFirst().split(",").length;
        HashSet<String> keys = new HashSet<>();
        for (String row : candidates.subList(1, candidates.size())) {
            String[] cells = row.split(",", -1);
            assertEquals(columns, cells.length, row);
            assertTrue(keys.add(cells[2]), "genome scored twice: " + row);
        }
        assertEquals(result.evaluations(), candidates.size() - 1);
        assertEquals(4, Files.readAllLines(run.resolve(RunFiles.GENERATIONS)).size()); // header + generations 0..2
        for (int g = 0; g <= 2; g++) {
            assertTrue(Files.isRegularFile(run.resolve("population/gen-000" + g + ".json")));
        }
        assertEquals(3, Files.readAllLines(run.resolve(RunFiles.HELDOUT)).size()); // header + top 2

        // Export, merge to disk with `amalgam merge`, compare with what the in-memory sink gave the scoring model.
        Path recipe = dir.resolve("best.yaml");
        assertEquals(0, AmalgamCommand.newCommandLine().execute("export", run.toString(), "-o", recipe.toString()));
        Path merged = dir.resolve("merged");
        assertEquals(0, AmalgamCommand.newCommandLine().execute("merge", recipe.toString(), merged.toString(), "--no-progress"));
        SearchConfig parsed = SearchConfigYaml.parseRun(run.resolve(RunFiles.RUN));
        Genome genome = GenomeLoader.load(parsed);
        try (CandidateModel model = new CandidateModel(genome, Device.cpu(), w -> { });
             SafetensorsModel disk = SafetensorsModel.open(merged);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            model.materialise(result.best().genes());
            List<String> names = new ArrayList<>(model.model().weights().names());
            assertTrue(names.size() > 10);
            for (String name : names) {
                NDArray fromDisk = disk.slice(name).toFloat32(m);
                assertArrayEquals(fromDisk.toFloatArray(), model.model().weights().get(name).toFloatArray(), 0f, name);
            }
        }
    }
}
