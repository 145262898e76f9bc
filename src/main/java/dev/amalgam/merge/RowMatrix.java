package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

/** The row view several methods work on: the last dimension is the row, a 1-D tensor is one row. */
final class RowMatrix {
    private RowMatrix() {
    }

    /** [rows, lastDim]; a 0-D or 1-D tensor becomes [1, numel]. */
    static NDArray of(NDArray x) {
        if (x.getShape().dimension() < 2) {
            return x.reshape(1, x.size());
        }
        return x.reshape(-1, x.getShape().get(x.getShape().dimension() - 1));
    }
}
