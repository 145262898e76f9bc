package dev.amalgam;

import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/** Test-side edits of model folders: copies, and single fp32 values written into a tensor's bytes. */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** Copies the files of {@code from} (not sub-folders) into a new folder {@code to}; returns {@code to}. */
    public static Path copy(Path from, Path to) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.write(to.resolve(f.getFileName()), Files.readAllBytes(f));
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code value} at the given element indices of an F32 or BF16 tensor of the model folder, in place. */
    public static void poke(Path model, String tensor, float value, int... indices) {
        Path file;
        long dataStart;
        TensorInfo info;
        try (SafetensorsModel m = SafetensorsModel.open(model)) {
            file = m.slice(tensor).file();
            info = m.info(tensor);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            dataStart = 8 + len.flip().getLong();
            int size = info.dtype().byteSize();
            for (int i : indices) {
                ByteBuffer v = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
                if (info.dtype() == DType.BF16) {
                    v.putShort((short) (Float.floatToRawIntBits(value) >>> 16));
                } else if (info.dtype() == DType.F32) {
                    v.putFloat(value);
                } else {
                    throw new IllegalArgumentException(tensor + " is " + info.dtype());
                }
                ch.write(v.flip(), dataStart + info.begin() + (long) size * i);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
