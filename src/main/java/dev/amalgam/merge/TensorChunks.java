package dev.amalgam.merge;

import dev.amalgam.safetensors.Encoding;

import java.lang.foreign.MemorySegment;

/**
 * One output tensor taken chunk by chunk, as the CPU fast kernel makes it: the sink narrows or copies each chunk to its
 * destination (a file, a resident weight), so no tensor-sized fp32 result exists between the kernel and there.
 */
public interface TensorChunks extends AutoCloseable {
    /**
     * Elements {@code [at, at + count)} of the flattened fp32 result are {@code values[0..count)}; called from several
     * threads at once for disjoint ranges, in any order; the array is reused after the call, and the sink may change it.
     */
    void put(long at, float[] values, int count);

    /**
     * The kernel starts the tensor over (see {@link JavaCpuKernel.Target#restart}): every element will be put again, so
     * what was put and is not yet where it goes may be dropped; no put is running.
     */
    void restart();

    /** As {@link JavaCpuKernel.Target#encoding}: how {@link #window}'s memory holds values, or null (put only). */
    default Encoding encoding() {
        return null;
    }

    /** As {@link JavaCpuKernel.Target#window}: where elements {@code [at, at + count)} go, in {@link #encoding}. */
    default MemorySegment window(long at, int count) {
        throw new UnsupportedOperationException("this sink takes put() only");
    }

    /** Every element was put (not called when the merge of the tensor failed). */
    void finish();

    @Override
    void close();
}
