package dev.amalgam.zoo;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a zoo goes and what it is built from.
 *
 * @param dir      the zoo folder (default {@code results/zoo} under the app home)
 * @param base     the base model folder (default the stories260K fixture, {@code ../shared/fixtures/stories260K/hf})
 * @param tasksDir the folder with the demo task YAMLs (default {@code eval-tasks/demo} under the app home)
 * @param seed     seeds data generation and fine-tuning
 */
public record ZooSpec(Path dir, Path base, Path tasksDir, long seed) {
    public static final long DEFAULT_SEED = 1234;

    public ZooSpec {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(tasksDir, "tasksDir");
    }

    /** The app home: system property {@code amalgam.home} (set by the launcher), else the working directory. */
    public static Path home() {
        return Path.of(System.getProperty("amalgam.home", "")).toAbsolutePath().normalize();
    }

    /** The default zoo under {@link #home()}. */
    public static ZooSpec defaults() {
        Path home = home();
        return new ZooSpec(home.resolve("results/zoo"), home.resolve("../shared/fixtures/stories260K/hf").normalize(),
                home.resolve("eval-tasks/demo"), DEFAULT_SEED);
    }

    public ZooSpec withDir(Path newDir) {
        return new ZooSpec(newDir, base, tasksDir, seed);
    }

    public ZooSpec withBase(Path newBase) {
        return new ZooSpec(dir, newBase, tasksDir, seed);
    }

    public ZooSpec withSeed(long newSeed) {
        return new ZooSpec(dir, base, tasksDir, newSeed);
    }
}
