package dev.amalgam.files;

import dev.amalgam.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes a whole file under a temporary name and renames it, so readers never see a torn file. */
public final class AtomicFile {
    private AtomicFile() {
    }

    public static void write(Path target, byte[] content) {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            if (target.getParent() != null) {
                Files.createDirectories(target.getParent());
            }
            Files.write(tmp, content);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original error matters more
            }
            throw new UncheckedIOException(IoFailure.describe("cannot write", target, e), e);
        }
    }

    /**
     * Refuses, before any work, to go on when {@code target}, a file the user named for output, exists and
     * {@code overwrite} (the command's {@code --overwrite}) is not given: nothing of the user's is replaced unasked.
     */
    public static void refuseExisting(Path target, boolean overwrite) {
        if (Files.isDirectory(target)) {
            throw new BadInputException(target + ": is a folder; give a file name for the output");
        }
        if (Files.exists(target) && !overwrite) {
            throw new BadInputException(target + ": exists; pass --overwrite to replace it");
        }
    }

    public static void writeString(Path target, String content) {
        write(target, content.getBytes(StandardCharsets.UTF_8));
    }
}
