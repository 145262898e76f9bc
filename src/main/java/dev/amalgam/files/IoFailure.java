package dev.amalgam.files;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One-line messages for file-system failures, naming the file and the cause in words ("no space left on FILE",
 * "permission denied", "X is a file, not a folder") instead of the JDK's bare path or multi-line text.
 */
public final class IoFailure {
    private IoFailure() {
    }

    /** {@code "<action> <path>: <cause>"}, or {@code "no space left on <file>"} when the disk is full. */
    public static String describe(String action, Path path, IOException e) {
        if (isDiskFull(e)) {
            return "no space left on " + (e instanceof FileSystemException fse && fse.getFile() != null ? fse.getFile() : path);
        }
        return action + " " + path + ": " + cause(path, e);
    }

    /** The cause in words, e.g. {@code permission denied} or {@code read-only file system}. */
    public static String cause(Path path, IOException e) {
        Path blocking = fileInTheWay(path);
        if (blocking != null) {
            return blocking + " is a file, not a folder";
        }
        boolean folderWanted = e instanceof FileAlreadyExistsException || e instanceof NotDirectoryException
                || String.valueOf(e.getMessage()).contains("Not a directory");
        if (folderWanted && Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path)) {
            return path + " is a file, not a folder";
        }
        if (String.valueOf(e.getMessage()).contains("Is a directory") && Files.isDirectory(path)) {
            return path + " is a folder, not a file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
        if (reason == null || reason.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String line = reason.lines().findFirst().orElse(reason).strip();
        return line.isEmpty() ? e.getClass().getSimpleName() : line.substring(0, 1).toLowerCase(Locale.ROOT) + line.substring(1);
    }

    /** ENOSPC, which the JDK reports as a plain IOException or a FileSystemException with that reason. */
    public static boolean isDiskFull(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t instanceof FileSystemException fse ? fse.getReason() : t.getMessage();
            if (m != null && m.contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    /** The nearest existing ancestor of {@code path} when it is a file (so nothing can be created under it), else null. */
    private static Path fileInTheWay(Path path) {
        for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return Files.isDirectory(p) ? null : p;
            }
        }
        return null;
    }
}
