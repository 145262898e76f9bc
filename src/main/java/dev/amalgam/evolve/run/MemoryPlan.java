package dev.amalgam.evolve.run;

import dev.amalgam.BadInputException;
import dev.amalgam.arch.DecoderConfig;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.eval.BatchSize;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorInfo;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A search's memory model on the CPU, checked against a budget before any work (every term in bytes):
 * <pre>
 * peak = sources (mapped, stored dtype: the page cache is the cache)
 *      + scoring model (4 x parameters, fp32)
 *      + merge working set ((inputs + 2) x largest tensor in fp32 + 512 MiB slack)
 *      + scoring working set (one layer's activations of one batch + the logits budget of batch sizing)
 *      + JVM heap limit (-Xmx) + runtime (JVM and libtorch code, 400 MiB)
 * </pre>
 *
 * @param sources       bytes of the source tensors, mapped
 * @param scoringModel  the fp32 scoring model's bytes
 * @param merge         the merge's bounded working set
 * @param scoring       the forward pass's bounded working set
 * @param runtime       JVM heap limit + native runtime
 * @param budget        the budget it must fit
 */
public record MemoryPlan(long sources, long scoringModel, long merge, long scoring, long runtime, long budget) {
    static final long SLACK = 512L << 20;
    static final long NATIVE_RUNTIME = 400L << 20;

    public long peak() {
        return sources + scoringModel + merge + scoring + runtime;
    }

    /** The default budget: 80% of physical memory (the rest is the OS's and other processes'). */
    public static long defaultBudget() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize() / 5 * 4;
    }

    /** The plan for a search over {@code genome}'s models (opened only to read their headers). */
    public static MemoryPlan of(Genome genome, long budget) {
        List<Path> folders = new ArrayList<>();
        if (genome.baseModel() != null) {
            folders.add(Path.of(genome.baseModel().text()));
        }
        for (ModelRef m : genome.models()) {
            folders.add(Path.of(m.text()));
        }
        long sources = 0;
        long largest = 0;
        for (Path f : folders) {
            try (SafetensorsModel model = SafetensorsModel.open(f)) {
                for (String name : model.tensorNames()) {
                    TensorInfo info = model.info(name);
                    sources += info.byteLength();
                    largest = Math.max(largest, info.numel());
                }
            }
        }
        DecoderConfig config = ModelConfig.read(genome.scoringModel()).decoder(LlamaModel.FORWARD_PASS);
        long params = 0;
        for (long[] shape : config.expectedShapes().values()) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            params += n;
        }
        long merge = (folders.size() + 2L) * 4 * largest + SLACK;
        return new MemoryPlan(sources, 4 * params, merge, scoringWorkingSet(config),
                Runtime.getRuntime().maxMemory() + NATIVE_RUNTIME, budget);
    }

    /**
     * One layer's activations for a batch of {@link BatchSize.Auto#TOKENS_PER_BATCH} tokens (the forward frees each
     * layer's scope), about 8 hidden-sized and 3 intermediate-sized fp32 tensors per token, plus the
     * [rows, heads, seq, seq] attention scores twice (scores, softmax) at 256-token rows, plus the logits budget.
     */
    static long scoringWorkingSet(DecoderConfig c) {
        long tokens = BatchSize.Auto.TOKENS_PER_BATCH;
        long perToken = 4L * (8L * c.hiddenSize() + 3L * c.intermediateSize());
        long scores = 2L * 4 * c.numAttentionHeads() * tokens * 256;
        return tokens * perToken + scores + BatchSize.Auto.DEFAULT_BUDGET;
    }

    /** Throws, naming every term, when the plan does not fit its budget. */
    public MemoryPlan check() {
        if (peak() > budget) {
            throw new BadInputException("the search does not fit the memory budget: " + describe()
                    + " (raise --memory-budget, lower -Xmx in AMALGAM_JAVA_OPTS, or use fewer/smaller models)");
        }
        return this;
    }

    /** One line: each term and the peak against the budget. */
    public String describe() {
        return String.format(Locale.ROOT, "sources: mapped, %s; scoring model: fp32 %s; merge working set %s; "
                        + "scoring working set %s; JVM heap + runtime %s; peak estimate %s of %s budget",
                gb(sources), gb(scoringModel), gb(merge), gb(scoring), gb(runtime), gb(peak()), gb(budget));
    }

    private static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
