package dev.amalgam.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amalgam.BadInputException;
import dev.amalgam.bench.SyntheticLlama;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A safetensors file truncated while it is mapped: every way of reading a tensor is an error naming the file
 * ("changed while being read"), never a SIGBUS that kills the JVM.
 */
class TruncatedWhileReadingTest {
    static final SyntheticLlama SHAPE = new SyntheticLlama(16, 24, 2, 4, 2, 40, false);
    static final String LAST = "lm_head.weight"; // stored last: past any truncation point

    enum Read {
        FLOAT32_ARRAY(s -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = s.toFloat32(m);
                return x.sum().getFloat(); // makes libtorch read the data, where a zero-copy view would fault
            }
        }),
        FLOAT32_ARRAY_IN_ARENA(s -> {
            try (Arena arena = Arena.ofConfined(); NDManager m = NDManager.newBaseManager()) {
                return s.toFloat32(m, arena).sum().getFloat();
            }
        }),
        FLOAT_ARRAY(s -> s.toFloatArray()[0]),
        RAW_COPY(s -> {
            try (Arena arena = Arena.ofConfined()) {
                return s.copy(arena).byteSize();
            }
        });

        final Function<TensorSlice, Object> read;

        Read(Function<TensorSlice, Object> read) {
            this.read = read;
        }
    }

    @ParameterizedTest
    @EnumSource(Read.class)
    void truncatedF32AndBf16FilesAreReportedByName(Read read, @TempDir Path dir) throws IOException {
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            Path model = dir.resolve(dtype.name());
            SHAPE.write(model, dtype, 1, 0, 0f, 1 << 20);
            Path file = model.resolve(SafetensorsModel.SINGLE_FILE);
            try (SafetensorsModel m = SafetensorsModel.open(model)) {
                TensorSlice slice = m.slice(LAST);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(Files.size(file) / 2);
                }
                BadInputException e = assertThrows(BadInputException.class, () -> read.read.apply(slice), dtype + " " + read);
                assertTrue(e.getMessage().startsWith(file + " changed while being read"), e.getMessage());
                assertTrue(e.getMessage().contains("'" + LAST + "'"), e.getMessage());
            }
        }
    }
}
