package dev.amalgam.evolve.run;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.llm.ModelWeights;
import dev.amalgam.merge.PlannedTensor;
import dev.amalgam.merge.TensorSink;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.TensorSlice;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes each merged tensor into the scoring model's weights in place, first rounded to the tensor's planned
 * dtype (what {@code amalgam merge} would save), so the scored model is exactly the exported recipe's merge.
 * Tensors the model does not read (e.g. a rotary cache) are skipped.
 */
final class WeightsSink implements TensorSink {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
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

    /**
     * The values a safetensors file of {@code dtype} would hold (round to nearest even, as the writer does), without a
     * host copy: f16 (and bf16 off the CPU) is a cast to the 16-bit type and back on the tensor's device; bf16 on
     * the CPU is rounded in place in the tensor's own memory, because DJL 0.35.1's JNI aborts the JVM on a CPU
     * BFLOAT16 cast. {@code merged} is the kernel's temporary, so rounding it in place is safe.
     */
    static NDArray rounded(DType dtype, NDArray merged) {
        if (dtype == DType.F32) {
            return merged;
        }
        if (dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("cannot score tensors saved as " + dtype);
        }
        if (dtype == DType.F16 || !merged.getDevice().equals(Device.cpu())) {
            return merged.toType(dtype == DType.F16 ? DataType.FLOAT16 : DataType.BFLOAT16, false).toType(DataType.FLOAT32, false);
        }
        // On the CPU toByteBuffer(true) is a view of the tensor's memory [numel] fp32: narrow and widen each value in place.
        // (A non-contiguous tensor comes back as a contiguous copy instead, so wrap the buffer rather than trust merged.)
        ByteBuffer bytes = merged.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
        MemorySegment f32 = MemorySegment.ofBuffer(bytes);
        long n = merged.size();
        for (long i = 0; i < n; i++) {
            f32.setAtIndex(FLOAT_LE, i, FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(f32.getAtIndex(FLOAT_LE, i))));
        }
        return merged.getManager().create(bytes, merged.getShape(), DataType.FLOAT32);
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
