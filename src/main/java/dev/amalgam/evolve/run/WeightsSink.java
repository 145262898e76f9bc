package dev.amalgam.evolve.run;

import ai.djl.ndarray.NDArray;
import dev.amalgam.llm.ModelWeights;
import dev.amalgam.merge.PlannedTensor;
import dev.amalgam.merge.TensorSink;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.TensorSlice;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes each merged tensor into the scoring model's weights in place, first rounded to the tensor's planned
 * dtype (what {@code amalgam merge} would save), so the scored model is exactly the exported recipe's merge.
 * Tensors the model does not read (e.g. a rotary cache) are skipped.
 */
final class WeightsSink implements TensorSink {
    private final ModelWeights weights;
    private final Set<String> written = new HashSet<>();

    WeightsSink(ModelWeights weights) {
        this.weights = weights;
    }

    @Override
    public void accept(PlannedTensor tensor, NDArray merged) {
        String name = tensor.outputName();
        if (!weights.names().contains(name)) {
            return;
        }
        weights.overwrite(name, rounded(tensor.outDtype(), merged));
        written.add(name);
    }

    /** The values a safetensors file of {@code dtype} would hold (round to nearest even, as the writer does). */
    static NDArray rounded(DType dtype, NDArray merged) {
        if (dtype == DType.F32) {
            return merged;
        }
        if (dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("cannot score tensors saved as " + dtype);
        }
        // The writer's narrowing and the reader's widening, so the values are those of the saved file.
        float[] v = merged.toFloatArray(); // [numel]
        MemorySegment f32 = MemorySegment.ofArray(v);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment saved = arena.allocate((long) v.length * dtype.byteSize());
            FloatCodec.narrowFromF32(dtype, f32, saved, v.length);
            FloatCodec.widenToF32(dtype, saved, f32, v.length);
        }
        return merged.getManager().create(v, merged.getShape());
    }

    @Override
    public void acceptRaw(PlannedTensor tensor, TensorSlice raw) {
        if (weights.names().contains(tensor.outputName())) {
            throw new IllegalStateException("'" + tensor.outputName() + "' is not a float tensor; the scoring model cannot take it");
        }
    }

    /** Model weights the merge did not write (must be empty, or the candidate would be scored with stale values). */
    Set<String> missing() {
        Set<String> m = new HashSet<>(weights.names());
        m.removeAll(written);
        return m;
    }
}
