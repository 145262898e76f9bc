package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSlice;

import java.lang.foreign.Arena;
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
        // On the CPU, toByteBuffer(true) views the tensor's own memory (valid while `merged` lives, which
        // spans this call); from a GPU it copies to the host. A plain toByteBuffer() would allocate a
        // GC-managed copy per tensor that lingers until a collection. The bytes are little-endian fp32.
        MemorySegment f32 = MemorySegment.ofBuffer(merged.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN));
        writer.writeFloat32(tensor.outputName(), f32);
    }

    @Override
    public TensorChunks chunks(PlannedTensor tensor) {
        SafetensorsWriter.Float32Stream stream = writer.streamFloat32(tensor.outputName());
        return new TensorChunks() {
            @Override
            public void put(long at, float[] values, int count) {
                stream.put(at, values, count);
            }

            @Override
            public void restart() {
                stream.restart();
            }

            @Override
            public Encoding encoding() {
                return stream.encoding();
            }

            @Override
            public MemorySegment window(long at, int count) {
                return stream.window(at, count);
            }

            @Override
            public void finish() {
                stream.finish();
            }

            @Override
            public void close() {
                stream.close();
            }
        };
    }

    @Override
    public void acceptRaw(PlannedTensor tensor, TensorSlice raw) {
        try (Arena arena = Arena.ofConfined()) {
            writer.write(tensor.outputName(), raw.copy(arena)); // read through Java: the file may change under the mapping
        }
    }
}
