package dev.amalgam.torchbin;

/**
 * One tensor of a checkpoint: its dtype in safetensors spelling ({@code F32}, {@code BF16}, ...), shape, and the byte
 * range of its (contiguous, little-endian) data inside the checkpoint file. Tensors that share a storage have
 * overlapping or adjacent ranges.
 */
public record TorchTensor(String name, String dtype, long[] shape, long offset, long byteLength) {
    public TorchTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }
}
