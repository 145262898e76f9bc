package dev.amalgam.evolve.run;

import dev.amalgam.cli.AmalgamCommand;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.safetensors.SafetensorsModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory model's terms come from the real files, and a search that cannot fit stops before any work. */
class MemoryPlanTest {
    @TempDir
    Path dir;

    @Test
    void termsComeFromTheSourcesAndTheScoringModel() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 6, 2, 8, "run");
        SearchConfig parsed = SearchConfigYaml.parse(config);
        var genome = GenomeLoader.load(parsed);
        MemoryPlan plan = MemoryPlan.of(genome, 1L << 40);
        long sources = 0;
        long scoring = 0;
        for (var m : genome.models()) {
            try (SafetensorsModel model = SafetensorsModel.open(Path.of(m.text()))) {
                sources += model.tensorNames().stream().mapToLong(n -> model.info(n).byteLength()).sum();
            }
        }
        if (genome.baseModel() != null) {
            try (SafetensorsModel model = SafetensorsModel.open(Path.of(genome.baseModel().text()))) {
                sources += model.tensorNames().stream().mapToLong(n -> model.info(n).byteLength()).sum();
            }
        }
        try (SafetensorsModel model = SafetensorsModel.open(genome.scoringModel())) {
            scoring = 4 * model.tensorNames().stream().mapToLong(n -> model.info(n).numel()).sum();
        }
        assertEquals(sources, plan.sources());
        assertEquals(scoring, plan.scoringModel(), "stories260K: every stored tensor is a weight the forward reads");
        assertEquals(plan.sources() + plan.scoringModel() + plan.merge() + plan.scoring() + plan.runtime(), plan.peak());
    }

    @Test
    void aBudgetTooSmallIsRefusedBeforeAnyWorkNamingTheNumbers() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 6, 2, 8, "run");
        SearchConfig parsed = SearchConfigYaml.parse(config);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(captured, true));
            code = AmalgamCommand.newCommandLine().execute("evolve", config.toString(), "--no-progress", "--memory-budget", "100M");
        } finally {
            System.setErr(err);
        }
        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, code);
        String message = captured.toString();
        assertTrue(message.contains("does not fit the memory budget") && message.contains("scoring model: fp32")
                && message.contains("of 0.1 GB budget"), message);
        assertTrue(Files.notExists(parsed.output().dir().resolve("run")), "a refused search leaves no run folder");
    }
}
