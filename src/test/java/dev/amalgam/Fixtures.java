package dev.amalgam;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shared test fixtures in {@code ../shared/fixtures/} (next to the checkout, never copied into the repository),
 * the one place tests get their paths from. Each accessor skips the calling test, or the whole class when called from
 * a {@code @BeforeAll}, with a message naming the missing folder instead of failing it.
 */
public final class Fixtures {
    /**
     * Relative to the worktree root, Maven's working directory; {@code -Damalgam.fixtures=DIR} points elsewhere (a
     * missing folder shows which tests skip without the fixtures).
     */
    public static final Path ROOT = Path.of(System.getProperty("amalgam.fixtures", "../shared/fixtures"));

    private Fixtures() {
    }

    /** Karpathy's stories260K in Hugging Face layout (config.json, model.safetensors, tokenizer files). */
    public static Path stories260K() {
        return require("stories260K/hf");
    }

    /** The stories260K folder with llama2.c's reference outputs ({@code reference-outputs.json}) beside {@code hf/}. */
    public static Path stories260KReference() {
        return require("stories260K");
    }

    /** stories260K written by real {@code torch.save}: zip, legacy, sharded bf16, shared-storage views, one malicious (SOURCE.md). */
    public static Path stories260KTorchBin() {
        return require("stories260K/torch-bin");
    }

    /** Local copies of the ARC and MMLU data the shipped tasks read. */
    public static Path evalData() {
        return require("eval");
    }

    private static Path require(String fixture) {
        Path path = ROOT.resolve(fixture);
        assumeTrue(Files.isDirectory(path), () -> "skipped: test fixture " + path.toAbsolutePath().normalize()
                + " is missing (the tests read ../shared/fixtures next to the checkout)");
        return path;
    }
}
