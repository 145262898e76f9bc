package dev.amalgam.cli;

import dev.amalgam.BadInputException;
import dev.amalgam.merge.MergeJob;
import dev.amalgam.merge.MultiStageMerge;
import dev.amalgam.recipe.RecipeParser;
import dev.amalgam.recipe.RecipeStages;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code amalgam merge RECIPE.yaml OUT_DIR}: runs a mergekit-style recipe (one document, or several
 * stages as mergekit-multi writes them) and writes an HF model folder. mergekit-yaml's flags are
 * accepted so a user's shell history works.
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge models with a mergekit-compatible recipe and write a Hugging Face model folder.",
                "The folder is built under a hidden temporary name and renamed when complete; an existing non-empty OUT_DIR is"
                        + " replaced only with --overwrite.",
                "A recipe of several YAML documents (mergekit-multi) runs its named stages first."})
public final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RECIPE.yaml", description = "mergekit merge YAML")
    Path recipe;

    @Parameters(index = "1", paramLabel = "OUT_DIR", description = "output model folder (new, or an empty folder)")
    Path out;

    @Option(names = "--overwrite", description = "replace an existing OUT_DIR that is a model folder (never the working"
            + " directory, the recipe, an input model or the tokenizer source, nor a folder holding one)")
    boolean overwrite;

    @Option(names = "--out-shard-size", paramLabel = "SIZE", defaultValue = "5B", converter = ByteSizeConverter.class,
            description = "largest shard, e.g. 5B (bytes, like mergekit: 5 billion), 500M, 2G, 1000K (default: ${DEFAULT-VALUE})")
    long shardBytes;

    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", converter = DeviceChoice.Converter.class,
            description = "where the merge math runs: the CPU, the first GPU, or GPU N (default: gpu when DJL sees one, else cpu)")
    DeviceChoice device;

    @Option(names = "--cuda", description = "mergekit-yaml's spelling of --device gpu")
    boolean cuda;

    @Option(names = "--seed", description = "seed for random methods (dare_*, della*); overrides the recipe's random_seed (default 0)")
    Long seed;

    @Option(names = "--copy-tokenizer", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "copy the tokenizer files into the output (default: ${DEFAULT-VALUE}; --no-copy-tokenizer leaves them out)")
    boolean copyTokenizer;

    @Option(names = "--intermediate-dir", paramLabel = "DIR",
            description = "multi-document recipes: keep the named stages' merges in DIR (reused when unchanged); default: a temporary folder")
    Path intermediateDir;

    @Option(names = "--lazy-unpickle", description = "accepted for mergekit-yaml compatibility; tensors are always read lazily")
    boolean lazyUnpickle;

    @Option(names = "--allow-crimes", description = "accepted for mergekit-yaml compatibility; models of different"
            + " architectures merge here when their tensors match")
    boolean allowCrimes;

    @Option(names = "--trust-remote-code", description = "accepted for mergekit-yaml compatibility; Amalgam never runs a model's code")
    boolean trustRemoteCode;

    @Option(names = "--no-progress", description = "do not draw a progress bar")
    boolean noProgress;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (trustRemoteCode) {
            err.println("amalgam: note: --trust-remote-code has no effect: Amalgam reads weights only and never runs a model's code");
        }
        if (cuda && DeviceChoice.CPU.equals(device)) {
            throw new BadInputException("--cuda and --device cpu contradict each other; give one");
        }
        MergeJob.Options options = new MergeJob.Options(recipe, out, shardBytes, DeviceChoice.resolve(cuda ? DeviceChoice.GPU : device),
                seed, copyTokenizer, overwrite, w -> {
                    err.println("amalgam: warning: " + w);
                    err.flush();
                });
        RecipeStages stages = RecipeParser.parseStages(recipe);
        MergeJob.Result result;
        if (stages.stages().size() == 1) {
            try (MergeJob job = MergeJob.prepare(options, stages.finalStage().recipe())) {
                result = run(job);
            }
        } else {
            result = MultiStageMerge.run(stages, options, intermediateDir, this::run);
        }
        System.out.printf("merged %d tensors (%s, %.1f MB) with %s in %.1f s -> %s%n", result.tensors(), result.dtypes(),
                result.outputBytes() / 1e6, result.method(), result.seconds(), result.folder());
        return 0;
    }

    private MergeJob.Result run(MergeJob job) {
        MergeJob.Result result;
        if (noProgress) {
            result = job.run((t, b) -> { });
        } else {
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("merge").setInitialMax(job.inputBytes())
                    .setUnit(" MB", 1 << 20).setStyle(ProgressBarStyle.ASCII).showSpeed().continuousUpdate().build()) {
                int total = job.plan().tensors().size();
                int[] done = {0};
                result = job.run((t, bytes) -> {
                    bar.stepBy(bytes);
                    bar.setExtraMessage(" tensor " + ++done[0] + "/" + total + " " + t.outputName());
                });
                bar.setExtraMessage("");
            }
        }
        return result;
    }
}
