package dev.amalgam.evolve.run;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.merge.MergeJob;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.recipe.RecipeYaml;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A search candidate merged into an fp16- or fp32-resident scoring model (rounded to the output dtype, then cast to the
 * resident type; on the CPU in Java, chunk by chunk into the weights' memory) is the candidate merged to disk and loaded
 * in that type: the same weights bit for bit, so the same logits. With a bf16 output and fp16 residency the value is
 * rounded twice (bf16, then fp16) on both paths; with an fp16 output the cast is the rounding. Staged: the GPU's way in
 * (chunks narrowed into a host buffer in the resident type, then one copy per tensor into the weights), here on the CPU.
 */
class HalfResidencyCandidateTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"bfloat16, FLOAT16, false", "float16, FLOAT16, false", "bfloat16, FLOAT32, false", "float16, FLOAT32, false",
            "bfloat16, FLOAT16, true", "float16, FLOAT16, true", "bfloat16, FLOAT32, true", "float16, FLOAT32, true"})
    void aResidentCandidateEqualsTheSameCandidateMergedToDiskAndLoadedInTheResidentType(String outputDtype, DataType resident, boolean staged)
            throws Exception {
        Path config = TinyZoo.write(dir, "ga", 4, 0, 8, "run");
        Files.writeString(config, Files.readString(config).replace("  filters: [self_attn]\n", "  filters: [self_attn]\n  dtype: " + outputDtype + "\n"));
        SearchConfig parsed = SearchConfigYaml.parse(config);
        Genome genome = GenomeLoader.load(parsed);
        double[] x = genome.randomPoint(new SplittableRandom(9));
        Path recipe = dir.resolve("candidate.yaml");
        Files.writeString(recipe, RecipeYaml.toYaml(genome.decode(x)));
        Path out = dir.resolve("merged");
        try (MergeJob job = MergeJob.prepare(new MergeJob.Options(recipe, out, Long.MAX_VALUE, Device.cpu(), null, false, false, w -> { }))) {
            job.run(MergeKernel.Progress.NONE);
        }
        try (CandidateModel fresh = new CandidateModel(genome, Device.cpu(), resident, w -> { });
             LlamaModel disk = LlamaModel.load(out, Device.cpu(), resident);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            CandidateModel candidate = staged ? fresh.stagingUploads() : fresh;
            candidate.materialise(x);
            LlamaModel memory = candidate.model();
            assertEquals(disk.weights().names(), memory.weights().names());
            for (String name : disk.weights().names()) {
                assertEquals(resident, memory.weights().get(name).getDataType(), name);
                assertArrayEquals(disk.weights().get(name).toType(DataType.FLOAT32, true).toFloatArray(),
                        memory.weights().get(name).toType(DataType.FLOAT32, true).toFloatArray(), name);
            }
            int[][] tokens = {{1, 5, 9, 200, 31, 7, 400, 2}};
            int[] lengths = {8};
            assertArrayEquals(disk.logits(m, tokens, lengths).toFloatArray(), memory.logits(m, tokens, lengths).toFloatArray(),
                    "same weights, same pass: the same fp32 logits");
        }
    }
}
