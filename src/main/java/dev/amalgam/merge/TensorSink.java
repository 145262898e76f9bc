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

    /** A tensor copied unchanged (non-float dtypes): the first input's raw bytes. */
    void acceptRaw(PlannedTensor tensor, TensorSlice raw);
}
