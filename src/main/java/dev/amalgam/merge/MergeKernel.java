package dev.amalgam.merge;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.NonFiniteException;
import dev.amalgam.files.Readahead;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorInfo;
import dev.amalgam.safetensors.TensorSlice;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;

/**
 * The one streaming merge executor. For each planned tensor it reads the mapped input slices (kept in their
 * stored dtype), widens them to fp32 into reused {@link WideningBuffers} and on to the chosen device, runs the method's math, and hands the result to a {@link TensorSink};
 * then the tensor's NDManager is closed. Only one output tensor is alive at a time, so peak memory
 * stays near (inputs + 2) x the largest tensor whatever the model size. The methods {@link JavaCpuKernel} covers skip
 * DJL and run on the host's cores, also when the device is a GPU: their result goes chunk by chunk to a sink that takes
 * chunks ({@link TensorSink#chunks}), so no tensor-sized fp32 result exists at all, or else whole (fp32, on the
 * device) to {@link TensorSink#accept}.
 */
public final class MergeKernel {
    /** libtorch's temporaries beyond the DJL path's tensors (its allocator's caching and the ops' own buffers). */
    public static final long SLACK = 512L << 20;
    /**
     * How far past the tensor in progress {@link Readahead} reads the inputs: a few of the largest tensors of a 1-7B
     * model, so the disk stays busy while one is merged; page cache, which the system takes back as it needs.
     */
    static final long READAHEAD_BYTES = 256L << 20;
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final MergeMethod method;
    private final List<SafetensorsModel> models; // indexed by PlannedInput.modelIndex
    private final Device device;
    private final long seed;
    private final WideningBuffers buffers; // null: the run makes its own
    private final Consumer<String> warnings;
    private final Set<String> warned = new HashSet<>(); // model + tensor, so each non-finite input is reported once
    private VocabularyRemap remap; // null: embeddings keep their rows (cut to the planned shape)
    private RescaleNorms.Cache rescaleNorms; // null: DARE's rescale norms are summed anew for each merge
    private boolean deviceMath; // true: the methods JavaCpuKernel covers run as DJL ops on the device too

    /** Progress callback: one call per finished tensor with the input bytes it read. */
    public interface Progress {
        void tensorDone(PlannedTensor tensor, long inputBytes);

        Progress NONE = (t, b) -> {
        };
    }

    /**
     * The bound on what one tensor's merge holds beyond its mapped inputs, for {@code inputs} models (base included)
     * stored in {@code dtypes} whose largest tensor has {@code largest} elements: for the methods {@link JavaCpuKernel}
     * covers, on a CPU its heap arrays (a few MB; for TIES also a few percent of the largest tensor), on a GPU (device memory) the uploaded result and its cast (at most two fp32 tensors);
     * for other methods the widened inputs and two tensors of the largest size in fp32; plus {@link #SLACK} for
     * libtorch's temporaries where libtorch holds tensors.
     */
    public static long workingSet(MergeMethod method, Set<DType> dtypes, int inputs, long largest, boolean gpu) {
        if (CpuFastPath.covers(method, dtypes)) {
            // On a GPU the host's result is uploaded from the widening buffers (a search's in its scoring model's type,
            // by WeightsSink) and cast or copied into place: at most two fp32 tensors.
            return gpu ? 2L * Float.BYTES * largest + SLACK : CpuFastPath.workingSet(method, inputs - 1, largest);
        }
        return (inputs + 2L) * Float.BYTES * largest + SLACK;
    }

    /**
     * How many of the largest tensor's fp32 buffers a merge by {@code method} widens into on the host (the
     * {@link WideningBuffers} a GPU search keeps): one, for the result, for the methods {@link JavaCpuKernel} covers
     * (they widen chunks, not tensors), else one per input.
     */
    public static int wideningSlots(MergeMethod method, Set<DType> dtypes, int inputs) {
        return CpuFastPath.covers(method, dtypes) ? 1 : inputs;
    }

    public MergeKernel(MergeMethod method, List<SafetensorsModel> models, Device device, long seed) {
        this(method, models, device, seed, null, w -> { });
    }

    /**
     * @param buffers  when not null, kept by the caller (a search run) so widening reuses them across candidates
     * @param warnings receives one line per input tensor holding NaN or infinite values (merged as they are)
     */
    public MergeKernel(MergeMethod method, List<SafetensorsModel> models, Device device, long seed, WideningBuffers buffers,
                       Consumer<String> warnings) {
        this.method = method;
        this.models = List.copyOf(models);
        this.device = device;
        this.seed = seed;
        this.buffers = buffers;
        this.warnings = warnings;
    }

    /** Embeddings and lm_head are permuted to a tokenizer's vocabulary before they are merged. */
    public MergeKernel withVocabularyRemap(VocabularyRemap vocabularyRemap) {
        this.remap = vocabularyRemap;
        return this;
    }

    /**
     * DARE's rescale levels go to (and come from) {@code cache}, kept by the caller across merges of the same sources
     * and seed (a search's candidates; see {@link RescaleNorms}).
     */
    public MergeKernel withRescaleNorms(RescaleNorms.Cache cache) {
        this.rescaleNorms = cache;
        return this;
    }

    /**
     * The methods {@link JavaCpuKernel} covers run as DJL ops on the kernel's device, as every other method does,
     * instead of on the host's cores (the GPU check compares that device math with the CPU's).
     */
    public MergeKernel withDeviceMath() {
        this.deviceMath = true;
        return this;
    }

    /** Merges every planned tensor into {@code sink}, in plan order. */
    public void run(List<PlannedTensor> plan, TensorSink sink, Progress progress) {
        try (WideningBuffers own = buffers == null ? new WideningBuffers() : null) {
            run(plan, sink, progress, buffers == null ? own : buffers);
        }
    }

    private void run(List<PlannedTensor> plan, TensorSink sink, Progress progress, WideningBuffers widening) {
        List<List<Readahead.Read>> reads = plan.stream().map(this::inputBytes).toList(); // per tensor
        try (NDManager root = NDManager.newBaseManager(device);
             Readahead ahead = new Readahead(reads, READAHEAD_BYTES)) {
            for (int i = 0; i < plan.size(); i++) {
                PlannedTensor t = plan.get(i);
                ahead.reached(i);
                if (t.copyRaw()) {
                    PlannedTensor.PlannedInput first = t.allInputs().getFirst();
                    sink.acceptRaw(t, models.get(first.modelIndex()).slice(first.tensorName()));
                } else {
                    JavaCpuKernel fast = fastKernel(t);
                    TensorChunks chunks = fast == null ? null : sink.chunks(t);
                    if (chunks != null) {
                        try (chunks) {
                            streamFast(t, fast, chunks);
                        }
                    } else {
                        // The manager (and every array wrapping a widening buffer) is closed before the next tensor reuses them.
                        try (NDManager m = root.newSubManager()) {
                            sink.accept(t, mergeOne(m, widening, t, fast));
                        }
                    }
                }
                progress.tensorDone(t, ahead.bytes(i));
            }
        }
    }

    /** The mapped bytes that merging {@code t} reads, by model. */
    private List<Readahead.Read> inputBytes(PlannedTensor t) {
        return t.allInputs().stream()
                .map(in -> new Readahead.Read(in.modelIndex(), models.get(in.modelIndex()).slice(in.tensorName()).data())).toList();
    }

    /**
     * The CPU fast path for {@code t}, or null where the DJL path runs (a vocabulary permutation, another method, device
     * math asked for). It runs on the host's cores on a GPU too: there the DJL path is bound by host work anyway
     * (widening, DARE's masks), measured at 23.6 s for a 2B-parameter dare_ties candidate on an H100 (README "GPU").
     */
    private JavaCpuKernel fastKernel(PlannedTensor t) {
        if ((remap != null && remap.applies(t)) || deviceMath || t.inputs().isEmpty()) {
            return null;
        }
        List<TensorSlice> slices = t.allInputs().stream().map(in -> models.get(in.modelIndex()).slice(in.tensorName())).toList();
        return CpuFastPath.kernel(method, t, slices, seed, rescaleNorms);
    }

    /**
     * Merges one tensor ({@code fast}: its CPU fast path, or null); the result belongs to {@code m}. Non-finite values in
     * the result are an error unless the inputs hold at least as many (a NaN carried through is the user's; one spread
     * over the tensor is not).
     */
    private NDArray mergeOne(NDManager m, WideningBuffers widening, PlannedTensor t, JavaCpuKernel fast) {
        if (fast != null) {
            long numel = new Shape(t.outShape()).size();
            MemorySegment out = widening.slot(0, numel * 4);
            runFast(t, fast, (at, values, count) -> MemorySegment.copy(values, 0, out, FLOAT_LE, at * 4, count));
            return m.create(out.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), new Shape(t.outShape()), DataType.FLOAT32);
        }
        int slot = 0;
        long[] inputNonFinite = {0};
        boolean permute = remap != null && remap.applies(t);
        ModelTensor base = t.base() == null ? null : load(m, buffer(widening, slot++, t.base()), t.base(), t, !permute, inputNonFinite);
        List<ModelTensor> inputs = new ArrayList<>(t.inputs().size());
        for (PlannedTensor.PlannedInput in : t.inputs()) {
            inputs.add(load(m, buffer(widening, slot++, in), in, t, !permute, inputNonFinite));
        }
        if (permute) {
            List<ModelTensor> all = new ArrayList<>(inputs);
            if (base != null) {
                all.addFirst(base);
            }
            List<ModelTensor> permuted = remap.permute(m, all);
            base = base == null ? null : permuted.getFirst();
            inputs = permuted.subList(base == null ? 0 : 1, permuted.size());
        }
        // A tensor only the base has passes through unchanged, whatever the method (mergekit does the same).
        NDArray merged = inputs.isEmpty() ? base.tensor().duplicate()
                : method.merge(new TensorMergeContext(m, t.outputName(), base, inputs, t.global(), seed));
        if (!Arrays.equals(merged.getShape().getShape(), t.outShape())) {
            throw new IllegalStateException(method.name() + " returned shape " + merged.getShape() + " for '"
                    + t.outputName() + "', expected " + new Shape(t.outShape()));
        }
        checkNonFinite(t, NonFiniteCount.of(merged), inputNonFinite[0], merged.size());
        return merged;
    }

    private void checkNonFinite(PlannedTensor t, long outputNonFinite, long inputNonFinite, long size) {
        if (outputNonFinite > inputNonFinite) {
            throw new NonFiniteException("tensor '" + t.outputName() + "': " + method.name() + " gives " + outputNonFinite
                    + " non-finite values (NaN or infinite) of " + size + ", but its inputs have "
                    + (inputNonFinite == 0 ? "none" : inputNonFinite) + "; check the weights and the inputs");
        }
    }

    /** {@link JavaCpuKernel}'s result, chunk by chunk into the sink's {@code chunks}, finished once it passed the checks. */
    private void streamFast(PlannedTensor t, JavaCpuKernel fast, TensorChunks chunks) {
        runFast(t, fast, chunks);
        chunks.finish();
    }

    /**
     * Runs {@link JavaCpuKernel} into {@code out}. Its methods only multiply by finite numbers and add, so every
     * non-finite input value makes its result value non-finite: the inputs are counted only when the result has some.
     */
    private void runFast(PlannedTensor t, JavaCpuKernel fast, ChunkTarget out) {
        long outputNonFinite = fast.run(out);
        long inputNonFinite = 0;
        List<PlannedTensor.PlannedInput> all = t.allInputs();
        for (int i = 0; outputNonFinite > 0 && i < all.size(); i++) {
            inputNonFinite += warnNonFinite(all.get(i), fast.nonFinite(i));
        }
        checkNonFinite(t, outputNonFinite, inputNonFinite, new Shape(t.outShape()).size());
    }

    /** Warns once per input tensor that holds {@code bad} > 0 non-finite values; returns {@code bad}. */
    private long warnNonFinite(PlannedTensor.PlannedInput in, long bad) {
        SafetensorsModel model = models.get(in.modelIndex());
        if (bad > 0 && warned.add(model.location() + "\n" + in.tensorName())) {
            warnings.accept("model " + model.location() + ": tensor '" + in.tensorName() + "' has " + bad
                    + " non-finite values (NaN or infinite); they are merged as they are");
        }
        return bad;
    }

    /** The widening buffer of input position {@code slot} (fp32 inputs are copied into theirs, never viewed in place). */
    private MemorySegment buffer(WideningBuffers widening, int slot, PlannedTensor.PlannedInput in) {
        TensorInfo info = models.get(in.modelIndex()).info(in.tensorName());
        return widening.slot(slot, info.numel() * 4);
    }

    /**
     * Loads one input as fp32, adding its non-finite values to {@code nonFinite[0]}, and, when {@code cut} and its shape exceeds the planned output shape (embeddings of a
     * larger vocabulary), cuts it to the leading sub-matrix, as mergekit's rectification does.
     */
    private ModelTensor load(NDManager m, MemorySegment buffer, PlannedTensor.PlannedInput in, PlannedTensor t, boolean cut,
                             long[] nonFinite) {
        SafetensorsModel model = models.get(in.modelIndex());
        TensorInfo info = model.info(in.tensorName());
        NDArray x = model.slice(in.tensorName()).toFloat32(m, buffer);
        nonFinite[0] += warnNonFinite(in, NonFiniteCount.of(x));
        long[] want = t.outShape();
        if (cut && !Arrays.equals(info.shape(), want)) {
            if (info.rank() != want.length) {
                throw new IllegalStateException("'" + in.tensorName() + "' has rank " + info.rank() + ", planned " + want.length);
            }
            StringJoiner index = new StringJoiner(",");
            for (long d : want) {
                index.add(":" + d);
            }
            x = x.get(new NDIndex(index.toString()));
        }
        return new ModelTensor(in.modelIndex(), x, in.params());
    }
}
