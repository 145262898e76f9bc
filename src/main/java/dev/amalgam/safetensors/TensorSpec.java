package dev.amalgam.safetensors;

import java.util.Arrays;

/** A tensor to be written: name, output dtype and shape. */
public record TensorSpec(String name, DType dtype, long[] shape) {
    public TensorSpec {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        shape = shape.clone();
    }

    public long numel() {
        return TensorInfo.numel(shape);
    }

    public long byteLength() {
        return numel() * dtype.byteSize();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
