package dev.amalgam.bench;

import dev.amalgam.eval.BatchSize;
import dev.amalgam.eval.EvalOptions;
import dev.amalgam.eval.Evaluator;
import dev.amalgam.eval.LoglikelihoodScorer;
import dev.amalgam.eval.PreparedSuite;
import dev.amalgam.eval.TaskDocuments;
import dev.amalgam.eval.ScoringProgress;
import dev.amalgam.eval.TaskRegistry;
import dev.amalgam.eval.TokenRequest;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.TextTokenizer;
import dev.amalgam.safetensors.DType;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Scoring throughput on ARC-Challenge items: one request at a time, batched with the context run for every choice,
 * and batched with the context shared (run once, its keys/values reused by the four choices), both in the same process on the same prepared requests, for stories260K and a
 * larger random Llama (hidden 512, 8 layers, vocab 32000, with the stories tokenizer). Also the time per ARC item.
 */
final class EvalBenchmark {
    private EvalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("amalgam.home", "."));
        SharedFixtures fixtures = SharedFixtures.find();
        Path stories = fixtures.stories();
        int items = args.length >= 2 && args[0].equals("--items") ? Integer.parseInt(args[1]) : 40;
        // Kept between runs like the merge benchmark's models (230 MB of fp32 weights).
        Path big = new SyntheticLlama(512, 1376, 8, 8, 8, 32000, false).writeScorable(
                Path.of(System.getProperty("java.io.tmpdir"), "amalgam-bench-llama512"), DType.F32, 3, 0, 0f, stories);
        TaskRegistry tasks = TaskRegistry.scan(home.resolve("eval-tasks"), Optional.of(fixtures.eval()));
        System.out.printf("ARC-Challenge, first %d items (4 requests each), fp32 CPU; tokens/s counts every request's tokens%n", items);
        System.out.printf("%-22s %13s %15s %13s %9s %9s %13s%n", "model", "1-at-a-time", "ctx per choice", "shared ctx",
                "batch/1", "shared/b", "s / ARC item");
        for (Path model : List.of(stories, big)) {
            try (TextTokenizer tok = TextTokenizer.load(stories); LlamaModel lm = LlamaModel.load(model)) {
                EvalOptions base = EvalOptions.defaults().withDocuments(TaskDocuments.DocumentSelection.first(items));
                PreparedSuite suite = Evaluator.prepare(tasks.select(List.of("arc_challenge")), tok, base);
                List<TokenRequest> requests = suite.tasks().getFirst().requests();
                BatchSize auto = new BatchSize.Auto(BatchSize.Auto.DEFAULT_BUDGET);
                tokensPerSecond(lm, requests, new LoglikelihoodScorer(auto, true, true)); // warm-up: JIT and libtorch kernels
                double single = tokensPerSecond(lm, requests, new LoglikelihoodScorer(new BatchSize.Fixed(1), false, false));
                double perChoice = tokensPerSecond(lm, requests, new LoglikelihoodScorer(auto, true, false));
                double shared = tokensPerSecond(lm, requests, new LoglikelihoodScorer(auto, true, true));
                long tokens = requests.stream().mapToLong(r -> r.tokens().length).sum();
                System.out.printf("%-22s %13.0f %15.0f %13.0f %8.1fx %8.1fx %13.4f%n", model.equals(stories) ? "stories260K" : "random 512x8, V=32000",
                        single, perChoice, shared, perChoice / single, shared / perChoice, tokens / shared / items);
            }
        }
    }

    private static double tokensPerSecond(LlamaModel model, List<TokenRequest> requests, LoglikelihoodScorer scorer) {
        long tokens = requests.stream().mapToLong(r -> r.tokens().length).sum();
        long t0 = System.nanoTime();
        scorer.score(model, requests, ScoringProgress.NONE);
        return tokens / ((System.nanoTime() - t0) / 1e9);
    }
}
