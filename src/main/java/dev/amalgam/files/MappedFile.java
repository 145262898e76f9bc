package dev.amalgam.files;

import dev.amalgam.BadInputException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

/**
 * A whole file memory-mapped read-only in its own shared arena (the FFM API: no 2 GiB limit); {@link #close()} unmaps
 * it, after which every slice of it is invalid. A missing or unreadable file is bad input naming it.
 */
public record MappedFile(Path path, Arena arena, MemorySegment segment) implements AutoCloseable {
    public static MappedFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return new MappedFile(path, arena, ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new BadInputException(path + ": file not found");
        } catch (IOException e) {
            arena.close();
            throw new BadInputException(path + ": cannot read (" + IoFailure.cause(path, e) + ")", e);
        }
    }

    /** A reader built over the mapping by {@code reader}, which keeps it open; unmapped if building it fails. */
    public <T> T read(Function<MemorySegment, T> reader) {
        try {
            return reader.apply(segment);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
