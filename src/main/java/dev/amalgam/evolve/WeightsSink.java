package dev.amalgam.evolve;

import ai.djl.ndarray.NDArray;
import dev.amalgam.llm.ModelWeights;
import dev.amalgam.merge.PlannedTensor;
import dev.amalgam.merge.TensorSink;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.TensorSlice;

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
        float[] v = merged.toFloatArray(); // [numel]
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (dtype) {
                case BF16 -> FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(v[i]));
                case F16 -> FloatCodec.f16ToFloat(FloatCodec.floatToF16(v[i]));
                default -> throw new IllegalArgumentException("cannot score tensors saved as " + dtype);
            };
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
