package dev.amalgam.evolve.run;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.merge.MergeJob;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.recipe.RecipeYaml;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A search whose models have the same vocabulary size but other tokens at some ids ({@code ft-b}'s tokenizer swaps two
 * tokens) scores candidates whose embeddings are permuted to the output tokenizer exactly as {@code amalgam merge}
 * permutes them, not rows merged by id.
 */
class PermutedVocabularyCandidateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aCandidateWithAPermutedVocabularyEqualsTheSameCandidateMergedToDisk() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 4, 0, 8, "run");
        Files.writeString(config, Files.readString(config).replace("  base_model: base\n", "  base_model: base\n  tokenizer_source: base\n"));
        Path tokenizer = dir.resolve("ft-b").resolve("tokenizer.json");
        ObjectNode tok = (ObjectNode) JSON.readTree(tokenizer.toFile());
        ObjectNode vocab = (ObjectNode) tok.path("model").path("vocab");
        String first = null;
        String second = null;
        for (var it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().intValue() == 300) {
                first = e.getKey();
            } else if (e.getValue().intValue() == 301) {
                second = e.getKey();
            }
        }
        vocab.put(first, 301);
        vocab.put(second, 300);
        Files.writeString(tokenizer, JSON.writeValueAsString(tok));

        SearchConfig parsed = SearchConfigYaml.parse(config);
        Genome genome = GenomeLoader.load(parsed);
        double[] unit = new double[genome.size()];
        Arrays.fill(unit, 0.7); // weights well above zero, so ft-b's rows count
        double[] x = genome.fromUnit(unit);
        Path recipe = dir.resolve("candidate.yaml");
        Files.writeString(recipe, RecipeYaml.toYaml(genome.decode(x)));
        Path out = dir.resolve("merged");
        try (MergeJob job = MergeJob.prepare(new MergeJob.Options(recipe, out, Long.MAX_VALUE, Device.cpu(), null, false, false, w -> { }))) {
            job.run(MergeKernel.Progress.NONE);
        }
        try (CandidateModel candidate = new CandidateModel(genome, Device.cpu(), w -> { });
             LlamaModel disk = LlamaModel.load(out, Device.cpu())) {
            candidate.materialise(x);
            LlamaModel memory = candidate.model();
            for (String name : disk.weights().names()) {
                assertArrayEquals(disk.weights().get(name).toFloatArray(), memory.weights().get(name).toFloatArray(), name);
            }
            float[] embed = memory.weights().get("model.embed_tokens.weight").toFloatArray(); // [vocab, hidden]
            int hidden = embed.length / 512;
            float[] row300 = Arrays.copyOfRange(embed, 300 * hidden, 301 * hidden);
            float[] row301 = Arrays.copyOfRange(embed, 301 * hidden, 302 * hidden);
            assertFalse(Arrays.equals(row300, row301), "the swapped tokens keep rows of their own");
            assertEquals(512 * hidden, embed.length);
        }
    }
}
