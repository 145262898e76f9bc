package dev.amalgam.evolve.run;

import ai.djl.ndarray.types.DataType;
import dev.amalgam.BadInputException;
import dev.amalgam.arch.DecoderConfig;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.eval.BatchSize;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorInfo;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A search's memory model, checked against a budget before any work (every term in bytes; P = the scoring model's
 * parameters, b = bytes per parameter of its resident type: 4 for fp32, 2 for fp16/bf16, {@code evaluation.scoring_dtype}):
 * <pre>
 * CPU:  peak = sources (mapped, stored dtype: the page cache is the cache; a search reads them all)
 *            + scoring model (b x P)
 *            + merge working set ({@link MergeKernel#workingSet}: a few MB of heap arrays on the CPU fast path,
 *              else (inputs + 2) x largest tensor in fp32 + 512 MiB)
 *            + scoring working set (one layer's activations of one batch + its logits, as batch sizing caps them)
 *            + JVM heap + runtime (JVM and libtorch code, 400 MiB)
 * GPU:  host   = sources (mapped) + widening buffers ({@link MergeKernel#wideningSlots} x largest tensor in fp32)
 *                + JVM heap + runtime
 *       device = scoring model (b x P) + merge working set + scoring working set + CUDA runtime (1 GiB),
 *                which must fit 90% of the device's memory (the rest is the caching allocator's fragmentation)
 * </pre>
 * The JVM heap is counted twice over: the <em>estimate</em> takes the heap the JVM starts with (-Xms; a search keeps
 * little on the heap, so G1 seldom grows it), the <em>bound</em> takes its limit (-Xmx). The budget is checked against
 * the bound. The scoring working set is counted in fp32 whatever b is (softmax and norms run in fp32; an upper bound).
 *
 * @param sources       bytes of the source tensors, mapped on the host
 * @param scoringModel  the scoring model's resident bytes (b x P)
 * @param resident      the scoring model's resident type
 * @param merge         the merge's bounded working set (on the device with a GPU)
 * @param scoring       the forward pass's bounded working set (on the device with a GPU)
 * @param heapStart     the JVM heap's initial size (-Xms)
 * @param heapLimit     the JVM heap's limit (-Xmx)
 * @param budget        the host budget it must fit
 * @param widening      GPU only: the host's widening buffers (on the CPU they are part of {@code merge}); else 0
 * @param deviceMemory  GPU only: the device's memory; 0 for a CPU plan
 */
public record MemoryPlan(long sources, long scoringModel, DataType resident, long merge, long scoring, long heapStart, long heapLimit,
                         long budget, long widening, long deviceMemory) {
    static final long NATIVE_RUNTIME = 400L << 20;
    static final long CUDA_RUNTIME = 1L << 30;
    static final double DEVICE_SHARE = 0.9;

    public boolean onGpu() {
        return deviceMemory > 0;
    }

    /** The bound on the host's peak (everything, for a CPU plan), with the heap at its limit: what the budget must hold. */
    public long peak() {
        return hostBesidesHeap() + heapLimit;
    }

    /** The host's expected peak: the bound with the heap at its initial size. */
    public long estimate() {
        return hostBesidesHeap() + heapStart;
    }

    private long hostBesidesHeap() {
        return NATIVE_RUNTIME + (onGpu() ? sources + widening : sources + scoringModel + merge + scoring);
    }

    /** The device's peak of a GPU plan; 0 for a CPU plan. */
    public long devicePeak() {
        return onGpu() ? scoringModel + merge + scoring + CUDA_RUNTIME : 0;
    }

    /** The default budget: 80% of physical memory (the rest is the OS's and other processes'). */
    public static long defaultBudget() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize() / 5 * 4;
    }

    /** The CPU plan for a search over {@code genome}'s models (opened only to read their headers), fp32 scoring model. */
    public static MemoryPlan of(Genome genome, long budget) {
        return of(genome, DataType.FLOAT32, budget, 0);
    }

    /**
     * The plan for a search over {@code genome}'s models with the scoring model resident in {@code resident}: a GPU plan
     * when {@code deviceMemory > 0} (the device's bytes), else a CPU plan.
     */
    public static MemoryPlan of(Genome genome, DataType resident, long budget, long deviceMemory) {
        List<Path> folders = new ArrayList<>();
        if (genome.baseModel() != null) {
            folders.add(Path.of(genome.baseModel().text()));
        }
        for (ModelRef m : genome.models()) {
            folders.add(Path.of(m.text()));
        }
        long sources = 0;
        long largest = 0;
        Set<DType> dtypes = EnumSet.noneOf(DType.class);
        for (Path f : folders) {
            try (SafetensorsModel model = SafetensorsModel.open(f)) {
                for (String name : model.tensorNames()) {
                    TensorInfo info = model.info(name);
                    sources += info.byteLength();
                    largest = Math.max(largest, info.numel());
                    dtypes.add(info.dtype());
                }
            }
        }
        DecoderConfig config = ModelConfig.read(genome.scoringModel()).decoder(LlamaModel.FORWARD_PASS);
        long merge = MergeKernel.workingSet(genome.method(), dtypes, folders.size(), largest, deviceMemory > 0);
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        int slots = MergeKernel.wideningSlots(genome.method(), dtypes, folders.size());
        return of(config, sources, slots, largest, merge, resident, heap.getInit(), heap.getMax(), budget, deviceMemory);
    }

    /**
     * The plan from its inputs: a scoring model of {@code config}'s shapes, the merge's {@code wideningSlots} host
     * buffers of the {@code largest} tensor (on a GPU) and its working set {@code merge}.
     */
    static MemoryPlan of(DecoderConfig config, long sources, int wideningSlots, long largest, long merge, DataType resident, long heapStart,
                         long heapLimit, long budget, long deviceMemory) {
        long params = 0;
        for (long[] shape : config.expectedShapes().values()) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            params += n;
        }
        long widening = deviceMemory > 0 ? (long) wideningSlots * 4 * largest : 0;
        return new MemoryPlan(sources, (long) resident.getNumOfBytes() * params, resident, merge, scoringWorkingSet(config),
                heapStart, heapLimit, budget, widening, deviceMemory);
    }

    /**
     * One layer's activations for a batch of {@link BatchSize.Auto#TOKENS_PER_BATCH} tokens (the forward frees each
     * layer's scope), about 8 hidden-sized and 3 intermediate-sized fp32 tensors per token, plus the
     * [rows, heads, seq, seq] attention scores twice (scores, softmax) at 256-token rows, plus the logits as batch
     * sizing caps them: three fp32 copies of [tokens, vocab], at most its budget.
     */
    static long scoringWorkingSet(DecoderConfig c) {
        long tokens = BatchSize.Auto.TOKENS_PER_BATCH;
        long perToken = 4L * (8L * c.hiddenSize() + 3L * c.intermediateSize());
        long scores = 2L * 4 * c.numAttentionHeads() * tokens * 256;
        long logits = Math.min(BatchSize.Auto.DEFAULT_BUDGET, 3L * Float.BYTES * tokens * c.vocabSize());
        return tokens * perToken + scores + logits;
    }

    /** Throws, naming every term, when the plan does not fit its budget (and, on a GPU, the device). */
    public MemoryPlan check() {
        if (peak() > budget) {
            throw new BadInputException("the search does not fit the memory budget: " + describe()
                    + " (raise --memory-budget, lower -Xmx in AMALGAM_JAVA_OPTS, or use fewer/smaller models)");
        }
        if (devicePeak() > DEVICE_SHARE * deviceMemory) {
            throw new BadInputException("the search does not fit the GPU's memory: " + describe()
                    + " (use evaluation.scoring_dtype: bfloat16 or float16, or fewer/smaller models)");
        }
        return this;
    }

    /** One line: each term and the peak against the budget (and the device's terms for a GPU plan). */
    public String describe() {
        String model = "scoring model: " + typeName(resident) + " " + gb(scoringModel);
        String host = String.format(Locale.ROOT, "JVM heap %s at start, at most %s (-Xmx); runtime %s; peak estimate %s, at most %s of %s budget",
                gb(heapStart), gb(heapLimit), gb(NATIVE_RUNTIME), gb(estimate()), gb(peak()), gb(budget));
        if (!onGpu()) {
            return String.format(Locale.ROOT, "sources: mapped, %s; %s; merge working set %s; scoring working set %s; %s",
                    gb(sources), model, gb(merge), gb(scoring), host);
        }
        return String.format(Locale.ROOT, "host: sources mapped, %s; widening buffers %s; %s. GPU: %s; merge working set %s; "
                        + "scoring working set %s; CUDA runtime %s; peak estimate %s of %s (%.0f%% of %s)",
                gb(sources), gb(widening), host, model, gb(merge), gb(scoring),
                gb(CUDA_RUNTIME), gb(devicePeak()), gb((long) (DEVICE_SHARE * deviceMemory)), DEVICE_SHARE * 100, gb(deviceMemory));
    }

    private static String typeName(DataType t) {
        return switch (t) {
            case FLOAT16 -> "fp16";
            case BFLOAT16 -> "bf16";
            default -> "fp32";
        };
    }

    /** One decimal; two below 0.1 GB, so a working set of megabytes does not read as nothing. */
    private static String gb(long bytes) {
        return String.format(Locale.ROOT, bytes < 100_000_000L ? "%.2f GB" : "%.1f GB", bytes / 1e9);
    }
}
