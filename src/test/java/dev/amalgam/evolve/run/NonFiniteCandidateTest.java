package dev.amalgam.evolve.run;

import ai.djl.Device;
import dev.amalgam.ModelFiles;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.llm.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A candidate whose merged weights make every log-likelihood NaN scores 0 with a warning, and the batch goes on. */
class NonFiniteCandidateTest {
    @Test
    void aNaNCandidateScoresZeroAndTheNextIsScored(@TempDir Path dir) throws Exception {
        Path config = TinyZoo.write(dir, "ga", 6, 2, 8, "run");
        String norm = "model.layers.1.input_layernorm.weight";
        ModelFiles.poke(dir.resolve("ft-a"), norm, Float.NaN, IntStream.range(0, TinyZoo.SHAPE.hidden()).toArray());
        SearchConfig parsed = SearchConfigYaml.parse(config);
        Genome genome = GenomeLoader.load(parsed);
        List<String> warnings = new ArrayList<>();
        List<CandidateScore> scores = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(genome.tokenizerModel());
             CandidateModel candidates = new CandidateModel(genome, Device.cpu(), warnings::add)) {
            TaskSuite suite = TaskSuite.prepare(parsed, "validation", tokenizer, true, false);
            double[] everywhere = new double[genome.genes().size()];
            Arrays.fill(everywhere, 0.5);
            suite.evaluator(candidates).evaluate(List.of(genome.fromUnit(everywhere), genome.fromUnit(everywhere)),
                    (i, s) -> scores.add(s));
        }
        assertEquals(2, scores.size(), "both candidates are reported");
        assertArrayEquals(new double[] {0, 0}, scores.getFirst().tasks());
        assertTrue(scores.getFirst().failure().startsWith("scored 0: task "), "the journal's failure column says why: " + scores.getFirst().failure());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("ft-a") && w.contains(norm) && w.contains("non-finite")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("a candidate scores 0: task ") && w.contains("NaN")), warnings.toString());
        assertEquals(2, warnings.size(), "each warning once: " + warnings);
    }
}
