package dev.amalgam.merge;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.NonFiniteException;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorInfo;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;

/**
 * The one streaming merge executor. For each planned tensor it maps the input slices, widens them to
 * fp32 on the chosen device, runs the method's math, and hands the result to a {@link TensorSink};
 * then the tensor's NDManager is closed. Only one output tensor is alive at a time, so peak memory
 * stays near (inputs + 2) x the largest tensor whatever the model size.
 */
public final class MergeKernel {
    private final MergeMethod method;
    private final List<SafetensorsModel> models; // indexed by PlannedInput.modelIndex
    private final Device device;
    private final long seed;
    private final SourceCache cache; // null: read every input from the mapped files
    private final Consumer<String> warnings;
    private final Set<String> warned = new HashSet<>(); // model + tensor, so each non-finite input is reported once
    private VocabularyRemap remap; // null: embeddings keep their rows (cut to the planned shape)

    /** Progress callback: one call per finished tensor with the input bytes it read. */
    public interface Progress {
        void tensorDone(PlannedTensor tensor, long inputBytes);

        Progress NONE = (t, b) -> {
        };
    }

    public MergeKernel(MergeMethod method, List<SafetensorsModel> models, Device device, long seed) {
        this(method, models, device, seed, null, w -> { });
    }

    /**
     * @param cache    when not null, inputs come from its ready fp32 copies (a search run's candidates)
     * @param warnings receives one line per input tensor holding NaN or infinite values (merged as they are)
     */
    public MergeKernel(MergeMethod method, List<SafetensorsModel> models, Device device, long seed, SourceCache cache,
                       Consumer<String> warnings) {
        this.method = method;
        this.models = List.copyOf(models);
        this.device = device;
        this.seed = seed;
        this.cache = cache;
        this.warnings = warnings;
    }

    /** Embeddings and lm_head are permuted to a tokenizer's vocabulary before they are merged. */
    MergeKernel withVocabularyRemap(VocabularyRemap vocabularyRemap) {
        this.remap = vocabularyRemap;
        return this;
    }

    /** Merges every planned tensor into {@code sink}, in plan order. */
    public void run(List<PlannedTensor> plan, TensorSink sink, Progress progress) {
        try (NDManager root = NDManager.newBaseManager(device)) {
            for (PlannedTensor t : plan) {
                long bytes = 0;
                for (PlannedTensor.PlannedInput in : t.allInputs()) {
                    bytes += models.get(in.modelIndex()).info(in.tensorName()).byteLength();
                }
                if (t.copyRaw()) {
                    PlannedTensor.PlannedInput first = t.allInputs().getFirst();
                    sink.acceptRaw(t, models.get(first.modelIndex()).slice(first.tensorName()));
                } else {
                    // Declared first, closed last: the arena backs widened inputs the manager's arrays wrap.
                    try (Arena scratch = Arena.ofConfined(); NDManager m = root.newSubManager()) {
                        sink.accept(t, mergeOne(m, scratch, t));
                    }
                }
                progress.tensorDone(t, bytes);
            }
        }
    }

    /**
     * Merges one tensor; the result belongs to {@code m}. Non-finite values in the result are an error unless the
     * inputs hold at least as many (a NaN carried through is the user's; one spread over the tensor is not).
     */
    NDArray mergeOne(NDManager m, Arena scratch, PlannedTensor t) {
        Map<NDArray, Boolean> lent = new IdentityHashMap<>(); // cached arrays already lent to m
        long[] inputNonFinite = {0};
        boolean permute = remap != null && remap.applies(t);
        ModelTensor base = t.base() == null ? null : load(m, scratch, lent, t.base(), t, !permute, inputNonFinite);
        List<ModelTensor> inputs = new ArrayList<>(t.inputs().size());
        for (PlannedTensor.PlannedInput in : t.inputs()) {
            inputs.add(load(m, scratch, lent, in, t, !permute, inputNonFinite));
        }
        if (permute) {
            List<ModelTensor> all = new ArrayList<>(inputs);
            if (base != null) {
                all.addFirst(base);
            }
            List<ModelTensor> permuted = remap.permute(m, all, base != null);
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
        long outputNonFinite = NonFiniteCount.of(merged);
        if (outputNonFinite > inputNonFinite[0]) {
            throw new NonFiniteException("tensor '" + t.outputName() + "': " + method.name() + " gives " + outputNonFinite
                    + " non-finite values (NaN or infinite) of " + merged.size() + ", but its inputs have "
                    + (inputNonFinite[0] == 0 ? "none" : inputNonFinite[0]) + "; check the weights and the inputs");
        }
        return merged;
    }

    /**
     * Loads one input as fp32, adding its non-finite values to {@code nonFinite[0]}, and, when {@code cut} and its shape exceeds the planned output shape (embeddings of a
     * larger vocabulary), cuts it to the leading sub-matrix, as mergekit's rectification does.
     */
    private ModelTensor load(NDManager m, Arena scratch, Map<NDArray, Boolean> lent, PlannedTensor.PlannedInput in, PlannedTensor t,
                             boolean cut, long[] nonFinite) {
        SafetensorsModel model = models.get(in.modelIndex());
        TensorInfo info = model.info(in.tensorName());
        NDArray x;
        long bad;
        if (cache == null) {
            x = model.slice(in.tensorName()).toFloat32(m, scratch);
            bad = NonFiniteCount.of(x);
        } else {
            bad = cache.nonFinite(model, in.tensorName());
            x = cache.fp32(model, in.tensorName());
            // DJL puts an op's result in its first operand's manager: lend the cached array to this
            // tensor's manager so every temporary is freed with it, and the array returns to the cache.
            if (lent.put(x, Boolean.TRUE) == null) {
                x.tempAttach(m);
            }
        }
        if (bad > 0 && warned.add(model.location() + "\n" + in.tensorName())) {
            warnings.accept("model " + model.location() + ": tensor '" + in.tensorName() + "' has " + bad
                    + " non-finite values (NaN or infinite); they are merged as they are");
        }
        nonFinite[0] += bad;
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
