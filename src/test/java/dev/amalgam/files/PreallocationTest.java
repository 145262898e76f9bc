package dev.amalgam.files;

import dev.amalgam.ScratchMount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** fallocate through the FFM API: blocks really reserved (not a sparse file), the data written after intact, a full disk named. */
class PreallocationTest {
    private static final long LENGTH = 8L << 20;

    @Test
    void reservesTheBlocksWhereASparseFileHasNone(@TempDir Path tmp) throws Exception {
        Path reserved = Files.createFile(tmp.resolve("reserved.bin"));
        Preallocation.reserve(reserved, LENGTH);
        assertEquals(LENGTH, Files.size(reserved), "the file grows to the length");
        assertTrue(allocatedBytes(reserved) >= LENGTH, "blocks allocated: " + allocatedBytes(reserved));
        Path sparse = Files.createFile(tmp.resolve("sparse.bin"));
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(LENGTH);
        }
        assertTrue(allocatedBytes(sparse) < LENGTH / 8, "the check can fail: a sparse file has few blocks (" + allocatedBytes(sparse) + ")");
        byte[] written = "tensor bytes".getBytes();
        try (FileChannel ch = FileChannel.open(reserved, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ch.write(ByteBuffer.wrap(written), LENGTH - 100);
            ByteBuffer back = ByteBuffer.allocate(written.length + 2);
            ch.read(back, LENGTH - 102);
            assertArrayEquals(new byte[]{0, 0}, java.util.Arrays.copyOf(back.array(), 2), "zeros before what was written");
            assertArrayEquals(written, java.util.Arrays.copyOfRange(back.array(), 2, back.capacity()));
        }
        assertEquals(LENGTH, Files.size(reserved), "written within the reservation: the same length");
    }

    @Test
    void aFullDiskIsNamedBeforeAnyWrite(@TempDir Path tmp) throws Exception {
        Path parent = Files.createDirectories(tmp.resolve("small"));
        try (ScratchMount ignored = ScratchMount.tmpfs(parent, "size=64k")) {
            Path file = Files.createFile(parent.resolve("model.safetensors"));
            FileSystemException e = assertThrows(FileSystemException.class, () -> Preallocation.reserve(file, LENGTH));
            assertEquals("no space left on " + file, IoFailure.describe("cannot write", file, e));
            Preallocation.reserve(file, 4096); // what fits is reserved
            assertEquals(4096, Files.size(file));
        }
    }

    /** st_blocks x 512, from stat(1): Java's file attributes do not have it. */
    private static long allocatedBytes(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "--format=%b %B", file.toString()).redirectErrorStream(true).start();
        String[] out = new String(p.getInputStream().readAllBytes()).trim().split(" ");
        assertEquals(0, p.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }
}
