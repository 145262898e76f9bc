package dev.amalgam.merge;

/**
 * One output tensor taken chunk by chunk, as the CPU fast kernel makes it: the sink narrows or copies each chunk to its
 * destination (a file, a resident weight), so no tensor-sized fp32 result exists between the kernel and there.
 */
public interface TensorChunks extends ChunkTarget, AutoCloseable {
    /** As {@link ChunkTarget#restart}, which every sink must decide for itself. */
    @Override
    void restart();

    /** Every element was put (not called when the merge of the tensor failed). */
    void finish();

    @Override
    void close();
}
