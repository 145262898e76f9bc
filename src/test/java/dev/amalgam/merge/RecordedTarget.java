package dev.amalgam.merge;

import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatCodec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A merge's result put into an array, or written into windows of memory in {@code encoding} where it is not null (NaN
 * where nothing was put), how often the kernel put a chunk and restarted, and whether a sink's run finished it: the
 * kernel's target, or the chunks a sink hands MergeKernel.
 */
final class RecordedTarget implements TensorChunks {
    private final float[] values;
    private final Encoding encoding;
    private final MemorySegment memory; // the windows' memory, where encoding is not null
    int puts;
    int restarts;
    boolean finished;

    RecordedTarget(PlannedTensor t) {
        this(t, null);
    }

    RecordedTarget(PlannedTensor t, Encoding encoding) {
        values = new float[Math.toIntExact(Arrays.stream(t.outShape()).reduce(1, (a, b) -> a * b))];
        Arrays.fill(values, Float.NaN);
        this.encoding = encoding;
        // freed with the test's garbage; all ones is a NaN in bf16 and fp32
        memory = encoding == null ? null : Arena.ofAuto().allocate((long) values.length * encoding.stored().byteSize()).fill((byte) -1);
    }

    @Override
    public void put(long at, float[] chunk, int count) {
        if (encoding == null) {
            System.arraycopy(chunk, 0, values, (int) at, count);
        } else { // as the sinks do with a chunk that does not come through a window
            FloatCodec.encode(encoding, chunk, count, window(at, count), new FloatCodec.ChunkBuffers());
        }
        puts++;
    }

    @Override
    public void restart() {
        restarts++;
    }

    @Override
    public Encoding encoding() {
        return encoding;
    }

    @Override
    public MemorySegment window(long at, int count) {
        int size = encoding.stored().byteSize();
        return memory.asSlice(at * size, (long) count * size);
    }

    @Override
    public void finish() {
        finished = true;
    }

    @Override
    public void close() {
        // the memory is freed with the test's garbage
    }

    /** The result as fp32. */
    float[] values() {
        if (encoding == null) {
            return values;
        }
        float[] stored = new float[values.length];
        FloatCodec.widen(encoding.stored(), memory, 0, new FloatCodec.ChunkBuffers(), stored, stored.length);
        return stored;
    }
}
