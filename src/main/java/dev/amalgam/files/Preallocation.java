package dev.amalgam.files;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Reserves a file's blocks before it is written: Linux's fallocate(2) in its default mode (the file grows to the
 * length, its blocks allocated, reading as zeros until written), called through the FFM API. Why: ext4 allocates a
 * buffered write's blocks late, and its per-page bookkeeping for that (reserving the space, the extent status tree)
 * runs under the file's lock, one writing thread at a time; into reserved blocks a merge's output went faster (the
 * eleventh session in docs/merge-kernel-log.md). And a disk without the room says so here, before any merging. Where the call is
 * missing (not Linux) or the file system does not take it, nothing is reserved and the writes allocate as they go.
 */
public final class Preallocation {
    private static final int O_WRONLY = 1;
    private static final int O_CLOEXEC = 0x80000;
    private static final int EINTR = 4;
    private static final int ENOSPC = 28;
    private static final int EDQUOT = 122;
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN; // open(path, flags), or null where the calls are not there
    private static final MethodHandle FALLOCATE; // fallocate(fd, mode, offset, length)
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
        Optional<MemorySegment> fallocate = linux ? libc.find("fallocate") : Optional.empty();
        if (fallocate.isPresent()) {
            // open is variadic (its mode): called with none of those arguments
            OPEN = linker.downcallHandle(libc.find("open").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT), errno, Linker.Option.firstVariadicArg(2));
            FALLOCATE = linker.downcallHandle(fallocate.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), errno);
            CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT));
        } else {
            OPEN = null;
            FALLOCATE = null;
            CLOSE = null;
        }
    }

    private Preallocation() {
    }

    /**
     * Reserves the first {@code length} bytes of {@code file}, which exists and may be written: the file is then at
     * least that long. Throws where the disk (or the user's quota) has no room for them, naming the file, with the JDK's
     * message for a full disk that {@link IoFailure} reads; does nothing where the platform or file system cannot reserve.
     */
    public static void reserve(Path file, long length) throws IOException {
        if (FALLOCATE == null || length <= 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(file.toString()), O_WRONLY | O_CLOEXEC);
            if (fd < 0) {
                return; // the writer's own channel on the file names whatever keeps it from opening
            }
            try {
                int rc;
                do {
                    rc = (int) FALLOCATE.invokeExact(state, fd, 0, 0L, length);
                } while (rc != 0 && (int) ERRNO.get(state, 0L) == EINTR);
                int error = rc == 0 ? 0 : (int) ERRNO.get(state, 0L);
                if (error == ENOSPC || error == EDQUOT) {
                    throw new FileSystemException(file.toString(), null,
                            error == ENOSPC ? "No space left on device" : "Disk quota exceeded");
                }
                // any other failure (a file system without fallocate, say): the writes allocate as they go
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd); // opened for this call only: nothing was written through it
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fallocate through the FFM API", t);
        }
    }
}
