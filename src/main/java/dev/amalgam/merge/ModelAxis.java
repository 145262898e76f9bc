package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/** Per-model scalars shaped to broadcast against a [models, ...] stack of tensors. */
final class ModelAxis {
    private ModelAxis() {
    }

    /** [models, 1, ..., 1] with {@code tensorDims} trailing ones. */
    static NDArray column(NDManager manager, float[] perModel, int tensorDims) {
        long[] shape = new long[tensorDims + 1];
        Arrays.fill(shape, 1);
        shape[0] = perModel.length;
        return manager.create(perModel, new Shape(shape));
    }
}
