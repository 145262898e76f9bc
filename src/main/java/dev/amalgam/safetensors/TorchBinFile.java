package dev.amalgam.safetensors;

import dev.amalgam.BadInputException;
import dev.amalgam.torchbin.TorchCheckpoint;
import dev.amalgam.torchbin.TorchTensor;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PyTorch {@code .bin} checkpoint seen as a weights file: each tensor's {@link TensorInfo} range is its byte range in
 * the file (ranges of tensors sharing a storage may overlap), and slices are views of the mapping, as for safetensors.
 */
final class TorchBinFile implements WeightFile {
    private final TorchCheckpoint checkpoint;
    private final Map<String, TensorInfo> tensors;

    private TorchBinFile(TorchCheckpoint checkpoint, Map<String, TensorInfo> tensors) {
        this.checkpoint = checkpoint;
        this.tensors = tensors;
    }

    static TorchBinFile open(Path path) {
        TorchCheckpoint checkpoint = TorchCheckpoint.open(path);
        try {
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (TorchTensor t : checkpoint.tensors().values()) {
                DType dtype = DType.fromHeader(t.dtype(), path + ": tensor '" + t.name() + "'");
                tensors.put(t.name(), new TensorInfo(t.name(), dtype, t.shape(), t.offset(), t.offset() + t.byteLength()));
            }
            return new TorchBinFile(checkpoint, Collections.unmodifiableMap(tensors));
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    @Override
    public Path path() {
        return checkpoint.path();
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public TensorSlice slice(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new BadInputException(path() + ": no tensor named '" + name + "'");
        }
        return new TensorSlice(info, checkpoint.bytes(checkpoint.tensors().get(name)), path(), checkpoint.fileSize());
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
