package dev.amalgam.bench;

import ai.djl.Device;
import dev.amalgam.files.StagedDirectory;
import dev.amalgam.evolve.config.EvaluationSettings;
import dev.amalgam.evolve.config.GenomeSpec;
import dev.amalgam.evolve.config.OutputSettings;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchSettings;
import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.evolve.config.TaskObjective;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.evolve.run.CandidateModel;
import dev.amalgam.evolve.run.GenomeLoader;
import dev.amalgam.evolve.run.TaskSuite;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.TextTokenizer;
import dev.amalgam.merge.MergeJob;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.recipe.RecipeYaml;
import dev.amalgam.safetensors.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * {@code ./build bench evolve}: seconds per search candidate when its merge is materialised in memory (the scoring
 * model's weights overwritten in place) against writing the merge to disk with {@code amalgam merge}'s job and
 * loading it back; and how a candidate's time splits between merging and scoring (arc_challenge, 20 documents).
 * Models: three synthetic bf16 Llamas (vocab 512, the stories260K tokenizer); linear and dare_ties genomes, 2 layer
 * groups, 2 filters.
 */
final class EvolveBenchmark {
    private static final SyntheticLlama SHAPE = new SyntheticLlama(512, 1376, 8, 8, 4, 512, false);
    private static final int CANDIDATES = 4;

    private EvolveBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length >= 2 && args[0].equals("--dir") ? args[1] : System.getProperty("java.io.tmpdir") + "/amalgam-bench-evolve");
        Files.createDirectories(dir);
        List<String> names = List.of("base", "ft-a", "ft-b");
        Path stories = SharedFixtures.find().stories();
        for (int i = 0; i < names.size(); i++) {
            SHAPE.writeScorable(dir.resolve(names.get(i)), DType.BF16, 1, 100 + i, i == 0 ? 0f : 0.5f, stories);
        }
        for (String method : List.of("linear", "dare_ties")) {
            measure(dir, method);
        }
    }

    private static void measure(Path dir, String method) throws IOException {
        ModelRef base = method.equals("linear") ? null : new ModelRef(dir.resolve("base").toString());
        GenomeSpec spec = new GenomeSpec(List.of(new ModelRef(dir.resolve("ft-a").toString()), new ModelRef(dir.resolve("ft-b").toString())),
                method, base, null, 4, null, false, List.of("self_attn", "mlp"), false, DType.BF16);
        SearchConfig config = new SearchConfig(spec, List.of(new TaskObjective("arc_challenge", 1, "acc")),
                new SearchSettings(Strategy.GA, 0, 1, 0, null, 7, 0),
                new EvaluationSettings(Path.of("eval-tasks").toAbsolutePath(), SharedFixtures.find().eval(), 20, null, 0, 0,
                        "test", null, 0),
                new OutputSettings(dir, "bench"), dir.resolve("bench.yaml"));
        Genome genome = GenomeLoader.load(config);
        System.out.printf("%s: models 3 x %.0f MB bf16 (%d layers, hidden %d); genome %d genes; arc_challenge, 20 documents%n",
                method, SHAPE.bytes(DType.BF16) / 1e6, SHAPE.layers(), SHAPE.hidden(), genome.size());
        Random random = new Random(3);
        double memoryMerge = 0;
        double score = 0;
        double disk = 0;
        try (CandidateModel candidates = new CandidateModel(genome, Device.cpu(), w -> { });
             TextTokenizer tokenizer = TextTokenizer.load(candidates.tokenizerFolder())) {
            TaskSuite suite = TaskSuite.prepare(config, "test", tokenizer, true, true);
            for (int k = -1; k < CANDIDATES; k++) { // k = -1 warms up both paths
                double[] x = genome.randomPoint(random);
                long t0 = System.nanoTime();
                candidates.materialise(x);
                long t1 = System.nanoTime();
                suite.score(candidates.model());
                long t2 = System.nanoTime();
                Path recipe = dir.resolve("candidate.yaml");
                Files.writeString(recipe, RecipeYaml.toYaml(genome.decode(x)));
                Path out = dir.resolve("candidate-out");
                long t3 = System.nanoTime();
                try (MergeJob job = MergeJob.prepare(new MergeJob.Options(recipe, out, 5_000_000_000L, Device.cpu(), null,
                        false, false, w -> System.err.println("amalgam: warning: " + w)))) {
                    job.run(MergeKernel.Progress.NONE);
                }
                try (LlamaModel loaded = LlamaModel.load(out, Device.cpu())) {
                    loaded.weights();
                }
                long t4 = System.nanoTime();
                StagedDirectory.deleteRecursively(out);
                if (k >= 0) {
                    memoryMerge += (t1 - t0) / 1e9;
                    score += (t2 - t1) / 1e9;
                    disk += (t4 - t3) / 1e9;
                }
            }
        }
        memoryMerge /= CANDIDATES;
        score /= CANDIDATES;
        disk /= CANDIDATES;
        System.out.printf("materialise in memory      %7.3f s/candidate%n", memoryMerge);
        System.out.printf("merge to disk + load back  %7.3f s/candidate  (%.1fx the in-memory time)%n", disk, disk / memoryMerge);
        System.out.printf("score (%d requests)         %7.3f s/candidate%n", 20, score);
        System.out.printf("candidate split: merge %.0f%% / score %.0f%% in memory; merge %.0f%% / score %.0f%% via disk%n",
                100 * memoryMerge / (memoryMerge + score), 100 * score / (memoryMerge + score),
                100 * disk / (disk + score), 100 * score / (disk + score));
    }
}
