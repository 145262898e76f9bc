package dev.amalgam.cli;

import ai.djl.Device;
import dev.amalgam.BadInputException;
import dev.amalgam.eval.BatchSize;
import dev.amalgam.eval.EvalOptions;
import dev.amalgam.eval.EvalReport;
import dev.amalgam.eval.EvalReportJson;
import dev.amalgam.eval.Evaluator;
import dev.amalgam.eval.GroupResult;
import dev.amalgam.eval.MetricValue;
import dev.amalgam.eval.PreparedSuite;
import dev.amalgam.eval.TaskDocuments.DocumentSelection;
import dev.amalgam.eval.TaskRegistry;
import dev.amalgam.eval.TaskResult;
import dev.amalgam.eval.TaskSelection;
import dev.amalgam.files.AtomicFile;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.ScoringDtype;
import dev.amalgam.llm.TextTokenizer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code amalgam eval MODEL_DIR --tasks arc_challenge,mmlu}: multiple-choice scores with lm-eval semantics. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score a model on multiple-choice tasks with lm-evaluation-harness semantics (acc, acc_norm, acc_bytes).")
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "Hugging Face model folder (config.json, safetensors, tokenizer.json).")
    Path modelDir;

    @Option(names = "--tasks", split = ",", required = true, paramLabel = "NAME", description = "Tasks or groups, comma-separated (e.g. arc_challenge,mmlu).")
    List<String> tasks;

    @Option(names = "--num-fewshot", paramLabel = "N", description = "Few-shot examples per prompt (default: each task's num_fewshot).")
    Integer numFewshot;

    @Option(names = "--limit", paramLabel = "N", description = "Score at most N documents per task (the first N, or N drawn with --sample-seed).")
    Integer limit;

    @Option(names = "--sample-seed", paramLabel = "SEED", description = "With --limit: draw the N documents at random with this seed.")
    Long sampleSeed;

    @Option(names = "--batch-size", defaultValue = "auto", paramLabel = "N|auto", description = "Rows per forward pass (default: ${DEFAULT-VALUE}: fit a memory budget).")
    String batchSize;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Folder that task dataset paths are relative to (default: each task file's folder).")
    Path dataDir;

    @Option(names = "--tasks-dir", paramLabel = "DIR", description = "Task YAML folder (default: eval-tasks/ under amalgam.home, else the working directory).")
    Path tasksDir;

    @Option(names = "--output", paramLabel = "FILE", description = "Write results as JSON in lm-eval's shape (results[task][\"acc,none\"], configs, versions, n-samples) with per-document samples as lm-eval's --log_samples.")
    Path output;

    @Option(names = "--overwrite", description = "replace an existing --output file")
    boolean overwrite;

    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", converter = DeviceChoice.Converter.class,
            description = "where the forward pass runs: the CPU, the first GPU, or GPU N (default: gpu when DJL sees one, else cpu)")
    DeviceChoice device;

    @Option(names = "--scoring-dtype", defaultValue = "auto", paramLabel = "float32|bfloat16|float16|auto",
            description = "Type the weights are resident in and the matmuls run in; norms' statistics, softmax and logits stay fp32 "
                    + "(default: ${DEFAULT-VALUE}: the checkpoint's type on a GPU, float32 on the CPU, where fp16 matmuls run about 40x slower; "
                    + "bfloat16 needs a DJL JNI that maps it, see README 'GPU').")
    String scoringDtype;

    @Override
    public Integer call() {
        if (output != null) {
            AtomicFile.refuseExisting(output, overwrite); // before the scoring, not after it
        }
        if (sampleSeed != null && limit == null) {
            throw new BadInputException("--sample-seed needs --limit");
        }
        BatchSize batch;
        try {
            batch = BatchSize.parse(batchSize);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--batch-size: " + e.getMessage(), e);
        }
        if (limit != null && limit < 1 || numFewshot != null && numFewshot < 0) {
            throw new BadInputException("--limit must be >= 1 and --num-fewshot >= 0");
        }
        DocumentSelection documents = limit == null ? DocumentSelection.ALL
                : sampleSeed == null ? DocumentSelection.first(limit) : DocumentSelection.sampled(limit, sampleSeed);
        EvalOptions options = EvalOptions.defaults().withDocuments(documents).withBatchSize(batch);
        if (numFewshot != null) {
            options = options.withNumFewshot(numFewshot);
        }
        if (!Files.isDirectory(modelDir)) {
            throw new BadInputException(modelDir + (Files.exists(modelDir) ? ": is a file, not a model folder" : ": model folder not found"));
        }
        TaskSelection selection = TaskRegistry.scan(resolveTasksDir(), Optional.ofNullable(dataDir)).select(tasks);

        EvalReport report;
        PreparedSuite suite;
        Device where = DeviceChoice.resolve(device);
        ScoringDtype dtype = ScoringDtype.of(scoringDtype, "--scoring-dtype");
        String resident;
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir); LlamaModel model = LlamaModel.load(modelDir, where, dtype, "--scoring-dtype")) {
            resident = model.weights().dtype().toString();
            suite = Evaluator.prepare(selection, tokenizer, options);
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("eval").setInitialMax(suite.requestCount())
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" req", 1).showSpeed().build()) {
                long start = System.nanoTime();
                long[] tokens = {0};
                report = Evaluator.score(model, suite, options.withProgress((requests, batchTokens) -> {
                    tokens[0] += batchTokens;
                    bar.stepBy(requests);
                    bar.setExtraMessage(String.format(" %.0f tok/s", tokens[0] / ((System.nanoTime() - start) / 1e9)));
                }));
            }
        }
        printTable(report, spec.commandLine().getOut());
        if (output != null) {
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("model", "amalgam");
            config.put("model_args", "pretrained=" + modelDir);
            config.put("tasks", tasks);
            config.put("num_fewshot", numFewshot);
            config.put("limit", limit);
            config.put("sample_seed", sampleSeed);
            config.put("batch_size", batchSize);
            config.put("device", where.toString());
            config.put("scoring_dtype", resident);
            EvalReportJson.write(report, suite, config, output);
            spec.commandLine().getOut().println("wrote " + output);
        }
        return 0;
    }

    private Path resolveTasksDir() {
        if (tasksDir != null) {
            return tasksDir;
        }
        String home = System.getProperty("amalgam.home");
        return (home != null ? Path.of(home) : Path.of("")).resolve("eval-tasks");
    }

    private static void printTable(EvalReport report, PrintWriter out) {
        String format = "%-40s %-10s %8s %8s %7s%n";
        out.printf(format, "task", "metric", "value", "stderr", "n");
        for (TaskResult task : report.tasks()) {
            task.metrics().forEach((metric, value) -> row(out, format, task.name(), metric, value));
        }
        for (GroupResult group : report.groups()) {
            group.metrics().forEach((metric, value) -> row(out, format, group.name() + " (group)", metric, value));
        }
        out.printf("%d requests, %d tokens in %.1f s (%.1f req/s, %.0f tok/s)%n", report.stats().requests(),
                report.stats().tokens(), report.stats().seconds(), report.stats().requestsPerSecond(), report.stats().tokensPerSecond());
        out.flush();
    }

    private static void row(PrintWriter out, String format, String name, String metric, MetricValue value) {
        out.printf(format, name, metric, String.format("%.4f", value.value()),
                Double.isNaN(value.stderr()) ? "N/A" : String.format("%.4f", value.stderr()), value.n());
    }
}
