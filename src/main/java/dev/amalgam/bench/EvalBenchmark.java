package dev.amalgam.bench;

import dev.amalgam.eval.BatchSize;
import dev.amalgam.eval.EvalOptions;
import dev.amalgam.eval.EvalReport;
import dev.amalgam.eval.Evaluator;
import dev.amalgam.eval.PreparedSuite;
import dev.amalgam.eval.TaskDocuments;
import dev.amalgam.eval.TaskRegistry;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.TextTokenizer;
import dev.amalgam.safetensors.DType;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Scoring throughput on ARC-Challenge items: batched (auto batch size, shared inputs) against one
 * request at a time, both in the same process on the same prepared requests, for stories260K and a
 * larger random Llama (hidden 512, 8 layers, vocab 32000, with the stories tokenizer). Also the time per ARC item.
 */
final class EvalBenchmark {
    private EvalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("amalgam.home", "."));
        Path fixtures = home.resolve("../shared/fixtures");
        Path stories = fixtures.resolve("stories260K/hf");
        int items = args.length >= 2 && args[0].equals("--items") ? Integer.parseInt(args[1]) : 40;
        // Kept between runs like the merge benchmark's models (230 MB of fp32 weights).
        Path big = new SyntheticLlama(512, 1376, 8, 8, 8, 32000, false).writeScorable(
                Path.of(System.getProperty("java.io.tmpdir"), "amalgam-bench-llama512"), DType.F32, 3, 0, 0f, stories);
        TaskRegistry tasks = TaskRegistry.scan(home.resolve("eval-tasks"), Optional.of(fixtures.resolve("eval")));
        System.out.printf("ARC-Challenge, first %d items (4 requests each), fp32 CPU%n", items);
        System.out.printf("%-22s %12s %12s %8s %12s%n", "model", "batched tok/s", "1-at-a-time", "ratio", "s / ARC item");
        for (Path model : List.of(stories, big)) {
            try (TextTokenizer tok = TextTokenizer.load(stories); LlamaModel lm = LlamaModel.load(model)) {
                EvalOptions base = EvalOptions.defaults().withDocuments(TaskDocuments.DocumentSelection.first(items));
                PreparedSuite suite = Evaluator.prepare(tasks.select(List.of("arc_challenge")), tok, base);
                Evaluator.score(lm, suite, base); // warm-up: JIT and libtorch kernels
                EvalReport batched = Evaluator.score(lm, suite, base);
                EvalReport single = Evaluator.score(lm, suite, base.withBatchSize(new BatchSize.Fixed(1)).withShareInputs(false));
                double ratio = batched.stats().tokensPerSecond() / single.stats().tokensPerSecond();
                System.out.printf("%-22s %12.0f %12.0f %7.1fx %12.4f%n", model.equals(stories) ? "stories260K" : "random 512x8, V=32000",
                        batched.stats().tokensPerSecond(), single.stats().tokensPerSecond(), ratio, batched.stats().seconds() / items);
            }
        }
    }
}
