package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSlice;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** Writes merged tensors to safetensors shards, narrowing fp32 to each tensor's planned dtype. */
public final class SafetensorsSink implements TensorSink {
    private final SafetensorsWriter writer;

    public SafetensorsSink(SafetensorsWriter writer) {
        this.writer = writer;
    }

    @Override
    public void accept(PlannedTensor tensor, NDArray merged) {
        // toByteBuffer copies to host memory (also from a GPU); the bytes are little-endian fp32.
        MemorySegment f32 = MemorySegment.ofBuffer(merged.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
        writer.writeFloat32(tensor.outputName(), f32);
    }

    @Override
    public void acceptRaw(PlannedTensor tensor, TensorSlice raw) {
        writer.write(tensor.outputName(), raw.data());
    }
}
