package dev.amalgam.merge;

import dev.amalgam.safetensors.Encoding;

import java.lang.foreign.MemorySegment;

/**
 * Where {@link JavaCpuKernel}'s result goes, chunk by chunk: called from the kernel's threads for disjoint ranges, in
 * any order. A sink's {@link TensorChunks} is one; so is a tensor-sized buffer for the DJL path.
 */
public interface ChunkTarget {
    /**
     * Elements {@code [at, at + count)} of the flattened fp32 result are {@code values[0..count)}; the array is reused
     * after the call, and the target may change it.
     */
    void put(long at, float[] values, int count);

    /**
     * The kernel starts the tensor over, after a pass on a threshold guess that its count did not prove: every element
     * will be put again, so what was put and is not yet where it goes may be dropped; no put is running. A target that
     * writes each put in place has nothing to do.
     */
    default void restart() {
    }

    /**
     * How {@link #window}'s memory holds the result, or null where the target takes only {@link #put} (then
     * {@link #window} is never called).
     */
    default Encoding encoding() {
        return null;
    }

    /**
     * The memory where elements {@code [at, at + count)} go, {@code count} elements in {@link #encoding}: the calling
     * thread fills it before its next call on this target.
     */
    default MemorySegment window(long at, int count) {
        throw new UnsupportedOperationException("this target takes put() only");
    }
}
