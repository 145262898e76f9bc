package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import dev.amalgam.safetensors.TensorSlice;

/**
 * Where the {@link MergeKernel} puts each output tensor: a safetensors writer for {@code merge}, the
 * scoring model's weights for {@code evolve}. Called once per planned tensor, from one thread.
 */
public interface TensorSink {
    /**
     * @param tensor the planned tensor
     * @param merged fp32 result of shape {@code tensor.outShape()}; valid only during the call
     */
    void accept(PlannedTensor tensor, NDArray merged);

    /**
     * Where {@code tensor}'s result goes chunk by chunk when the CPU fast kernel makes it, or null (the default) to take
     * it whole through {@link #accept}. The merge calls {@link TensorChunks#finish} after the last chunk and always closes it.
     */
    default TensorChunks chunks(PlannedTensor tensor) {
        return null;
    }

    /** A tensor copied unchanged (non-float dtypes): the first input's raw bytes. */
    void acceptRaw(PlannedTensor tensor, TensorSlice raw);
}
