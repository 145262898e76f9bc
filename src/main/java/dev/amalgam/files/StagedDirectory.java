package dev.amalgam.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * An output folder built under a temporary sibling name ({@code .NAME.partial-PID}) and renamed to
 * its final name only by {@link #commit()}. Closing without commit deletes it, so a failed or killed
 * job never leaves a folder that looks finished (a kill -9 leaves only the hidden partial folder).
 */
public final class StagedDirectory implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private boolean committed;

    public StagedDirectory(Path target) {
        this.target = target.toAbsolutePath().normalize();
        Path parent = this.target.getParent();
        this.staging = parent.resolve("." + this.target.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(parent);
            deleteRecursively(staging);
            Files.createDirectories(staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + staging, e);
        }
    }

    /** Where to write the contents. */
    public Path path() {
        return staging;
    }

    public Path target() {
        return target;
    }

    /** Replaces {@code target} (if present) with the staged folder. */
    public void commit() {
        try {
            if (Files.exists(target)) {
                deleteRecursively(target);
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(staging, target);
            }
            committed = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + staging + " to " + target, e);
        }
    }

    @Override
    public void close() {
        if (!committed) {
            try {
                deleteRecursively(staging);
            } catch (IOException ignored) {
                // best effort: the hidden partial folder is ignored by every reader
            }
        }
    }

    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
