package dev.amalgam.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the benchmarks find the shared fixtures (stories260K, the ARC/MMLU copies): beside a checkout
 * ({@code AMALGAM_HOME/../shared/fixtures}, stories260K's files in {@code stories260K/hf}), else in the GPU bundle
 * ({@code AMALGAM_HOME/fixtures}, stories260K's files in {@code stories260K}), so that {@code bin/amalgam --bench scale}
 * runs there too. {@code AMALGAM_HOME} is the {@code amalgam.home} property (the launchers set it), else the working
 * folder.
 */
record SharedFixtures(Path root) {
    static SharedFixtures find() {
        Path home = Path.of(System.getProperty("amalgam.home", "."));
        Path shared = home.resolve("../shared/fixtures").normalize();
        Path bundled = home.resolve("fixtures");
        return new SharedFixtures(Files.isDirectory(shared) || !Files.isDirectory(bundled) ? shared : bundled);
    }

    /** stories260K's HF folder: its config, weights and tokenizer files. */
    Path stories() {
        Path checkout = root.resolve("stories260K/hf");
        return Files.isDirectory(checkout) ? checkout : root.resolve("stories260K");
    }

    /** The task data folder (ARC, MMLU copies). */
    Path eval() {
        return root.resolve("eval").toAbsolutePath();
    }
}
