package dev.amalgam.safetensors;

import java.nio.file.Path;
import java.util.Map;

/** One memory-mapped weights file of a model: a .safetensors file or a PyTorch .bin checkpoint. */
sealed interface WeightFile extends AutoCloseable permits SafetensorsFile, TorchBinFile {
    Path path();

    /** Tensor entries in file order. */
    Map<String, TensorInfo> tensors();

    /** The raw bytes of one tensor, valid until {@link #close()}. */
    TensorSlice slice(String name);

    @Override
    void close();

    /** Opens {@code path} by its extension: {@code .bin} as a PyTorch checkpoint, anything else as safetensors. */
    static WeightFile open(Path path) {
        return path.getFileName().toString().endsWith(".bin") ? TorchBinFile.open(path) : SafetensorsFile.open(path);
    }
}
