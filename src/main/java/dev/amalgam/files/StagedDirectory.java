package dev.amalgam.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An output folder built under a temporary sibling name ({@code .NAME.partial-PID}) and renamed to its final name
 * only by {@link #commit}. At every instant the target is absent, the complete old folder or the complete new one:
 * <ul>
 * <li>closing without commit deletes the staged folder, and so does a shutdown hook on SIGTERM or Ctrl-C;</li>
 * <li>an existing target is replaced by two renames: target to a hidden backup ({@code .NAME.backup-PID}), staged
 *     folder to target; the backup is deleted only after that;</li>
 * <li>a kill -9 leaves only hidden folders, and the next staging of the same target settles them: partial
 *     folders of dead processes are deleted, a backup is deleted when the target exists (the replacement
 *     completed) and renamed back to the target when it does not (the kill fell between the two renames).</li>
 * </ul>
 */
public final class StagedDirectory implements AutoCloseable {
    private static final String PARTIAL = ".partial-";
    private static final String BACKUP = ".backup-";

    private final Path target;
    private final Path staging;
    private final Thread cleanupOnShutdown;
    private boolean committed; // guarded by this: the shutdown hook must not delete a folder being renamed

    /** Stages {@code target}, first settling what killed processes left next to it (reported to {@code notes}). */
    public StagedDirectory(Path target, Consumer<String> notes) {
        this.target = target.toAbsolutePath().normalize();
        Path parent = this.target.getParent();
        if (parent == null) {
            throw new IllegalArgumentException("cannot stage the root folder");
        }
        this.staging = hidden(this.target, PARTIAL, ProcessHandle.current().pid());
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot create the output folder's parent", parent, e), e);
        }
        recoverLeftovers(this.target, notes);
        // Registered before the folder exists, so a SIGTERM at any later moment finds it.
        cleanupOnShutdown = Thread.ofPlatform().unstarted(this::discard);
        Runtime.getRuntime().addShutdownHook(cleanupOnShutdown);
        try {
            Files.createDirectory(staging);
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(IoFailure.describe("cannot write into", parent, e), e);
        }
    }

    public StagedDirectory(Path target) {
        this(target, note -> { });
    }

    /** Where to write the contents. */
    public Path path() {
        return staging;
    }

    public Path target() {
        return target;
    }

    /**
     * Renames the staged folder to the target. An existing target is first passed to {@code checkExisting}, which
     * throws to refuse replacing it (the staged folder is then discarded on close), and is otherwise moved to a
     * hidden backup that is deleted once the new folder is in place.
     */
    public void commit(Consumer<Path> checkExisting) {
        Path backup = hidden(target, BACKUP, ProcessHandle.current().pid());
        synchronized (this) {
            if (!Files.isDirectory(staging)) {
                throw new IllegalStateException(staging + " is gone (discarded on shutdown)");
            }
            boolean replacing = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
            if (replacing) {
                checkExisting.accept(target);
            }
            try {
                if (replacing) {
                    move(target, backup);
                }
                move(staging, target);
            } catch (IOException e) {
                throw new UncheckedIOException(IoFailure.describe("cannot rename " + staging + " to", target, e), e);
            }
            committed = true;
        }
        try {
            deleteRecursively(backup);
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("replaced " + target + " but cannot delete the old copy", backup, e), e);
        }
    }

    /** Commits only when the target does not exist or is an empty folder. */
    public void commit() {
        commit(StagedDirectory::requireEmptyFolder);
    }

    private static void requireEmptyFolder(Path existing) {
        boolean empty;
        try (Stream<Path> entries = Files.isDirectory(existing, LinkOption.NOFOLLOW_LINKS) ? Files.list(existing) : null) {
            empty = entries != null && entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot read", existing, e), e);
        }
        if (!empty) {
            throw new IllegalStateException(existing + " exists and is not an empty folder");
        }
    }

    @Override
    public void close() {
        discard();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnShutdown);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: it deletes the same folder
        }
    }

    private synchronized void discard() {
        // On shutdown the job's thread keeps running and may add a file while the tree is being deleted: try again.
        for (int attempt = 0; attempt < 3 && !committed; attempt++) {
            try {
                deleteRecursively(staging);
                return;
            } catch (IOException ignored) {
                // best effort: the hidden partial folder is ignored by every reader and removed by the next run
            }
        }
    }

    /**
     * Settles the hidden folders that dead processes left next to {@code target} (see the class comment). Runs
     * before this process creates its own, so one carrying this process's id is a leftover of an earlier one.
     */
    static void recoverLeftovers(Path target, Consumer<String> notes) {
        Path parent = target.getParent();
        String name = target.getFileName().toString();
        List<Path> siblings;
        try (Stream<Path> list = Files.list(parent)) {
            siblings = list.filter(p -> p.getFileName().toString().startsWith("." + name + ".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot list", parent, e), e);
        }
        try {
            for (Path p : siblings) {
                if (ownerIsDead(p, name, BACKUP)) {
                    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                        deleteRecursively(p);
                        notes.accept("removed " + p + ", the old copy of " + target + " that a killed run had replaced");
                    } else {
                        move(p, target);
                        notes.accept("restored " + target + " from " + p + ", where a killed run had moved it");
                    }
                }
            }
            for (Path p : siblings) {
                if (ownerIsDead(p, name, PARTIAL)) {
                    deleteRecursively(p);
                    notes.accept("removed " + p + ", left unfinished by a killed run");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot clean up what a killed run left next to", target, e), e);
        }
    }

    /**
     * True when {@code p} is {@code .NAME<kind>PID} and process PID is gone: no such process, this process (which has
     * not created its folders yet), or a process started after the folder was last changed (the id was reused).
     */
    private static boolean ownerIsDead(Path p, String name, String kind) throws IOException {
        String file = p.getFileName().toString();
        String prefix = "." + name + kind;
        if (!file.startsWith(prefix) || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        String digits = file.substring(prefix.length());
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)) {
            return false;
        }
        long pid = Long.parseLong(digits);
        if (pid == ProcessHandle.current().pid()) {
            return true;
        }
        var owner = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (owner.isEmpty()) {
            return true;
        }
        var started = owner.get().info().startInstant();
        // A second of slack for file systems with coarse timestamps.
        return started.isPresent() && started.get().isAfter(
                Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().plusSeconds(1));
    }

    private static Path hidden(Path target, String kind, long pid) {
        return target.resolveSibling("." + target.getFileName() + kind + pid);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes a file or folder tree; a symbolic link is deleted, never followed. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
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
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
