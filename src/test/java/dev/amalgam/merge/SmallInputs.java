package dev.amalgam.merge;

import dev.amalgam.files.StagedDirectory;
import dev.amalgam.safetensors.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A base model and a fine-tune of it ({@link MergeCommandEndToEndTest#SHAPE}, fp32, one shard each), written once per
 * test JVM and shared read-only by the merge tests that only need some valid inputs.
 */
final class SmallInputs {
    static final Path DIR = write();
    static final Path BASE = DIR.resolve("base");
    static final Path FT = DIR.resolve("ft");

    private SmallInputs() {
    }

    private static Path write() {
        try {
            Path dir = Files.createTempDirectory("amalgam-small-inputs");
            MergeCommandEndToEndTest.SHAPE.write(dir.resolve("base"), DType.F32, 1, 0, 0f, 1 << 20);
            MergeCommandEndToEndTest.SHAPE.write(dir.resolve("ft"), DType.F32, 1, 3, 1f, 1 << 20);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    StagedDirectory.deleteRecursively(dir);
                } catch (IOException ignored) {
                    // a temporary folder
                }
            }));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
