package dev.amalgam.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Copies a file's bytes only. */
public final class FileContent {
    private FileContent() {
    }

    /**
     * Writes {@code from}'s bytes to {@code to} as a new file with the default mode. Files.copy would
     * keep the source's mode, and model folders copied from read-only fixtures would come out read-only.
     */
    public static void copy(Path from, Path to) {
        try {
            Files.write(to, Files.readAllBytes(from));
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot copy " + from + " to", to, e), e);
        }
    }
}
