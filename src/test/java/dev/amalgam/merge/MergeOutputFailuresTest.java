package dev.amalgam.merge;

import dev.amalgam.CliRun;
import dev.amalgam.Fixtures;
import dev.amalgam.FolderSnapshot;
import dev.amalgam.ScratchMount;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Where merge output cannot go (a read-only folder, a full disk) and an output that cannot be evaluated (no tokenizer). */
class MergeOutputFailuresTest {
    @TempDir
    static Path models;
    static Path base;
    static Path recipe;

    @BeforeAll
    static void write() throws IOException {
        base = models.resolve("base");
        MergeCommandEndToEndTest.SHAPE.write(base, DType.F32, 1, 0, 0f, 1 << 20);
        recipe = models.resolve("recipe.yaml");
        Files.writeString(recipe, "merge_method: linear\nmodels:\n  - model: " + base + "\n    parameters: {weight: 1.0}\n");
    }

    static CliRun merge(Path out) {
        return CliRun.run("merge", recipe.toString(), out.toString(), "--no-progress", "--device", "cpu");
    }

    @Test
    void anOutputWithoutATokenizerIsMergedWithAWarning(@TempDir Path tmp) {
        Path out = tmp.resolve("out");
        CliRun r = merge(out);
        assertEquals(0, r.exit(), r.err());
        assertEquals("amalgam: warning: " + out + " gets no tokenizer.json (the tokenizer source " + base + " has none), so amalgam eval"
                + " cannot score it; set tokenizer_source to a model that has one, or copy it in", r.err().strip());
        Path stories = Fixtures.stories260K();
        CliRun withTokenizer = CliRun.run("merge", write(tmp, "merge_method: linear\nmodels:\n  - model: " + stories
                + "\n    parameters: {weight: 1.0}\n"), tmp.resolve("out2").toString(), "--no-progress", "--device", "cpu");
        assertEquals("", withTokenizer.err(), "no warning when the tokenizer is copied");
    }

    private static String write(Path dir, String yaml) {
        try {
            return Files.writeString(dir.resolve("r.yaml"), yaml).toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aReadOnlyParentIsNamed(@TempDir Path tmp) throws Exception {
        Path parent = Files.createDirectories(tmp.resolve("ro"));
        try (ScratchMount ignored = ScratchMount.tmpfs(parent, "ro,size=64k")) {
            merge(parent.resolve("out")).assertBadInput("cannot write into " + parent, "read-only file system");
            assertEquals(Map.of("/", ""), FolderSnapshot.of(parent));
        }
    }

    @Test
    void aFullDiskSaysNoSpaceLeftOnTheFile(@TempDir Path tmp) throws Exception {
        Path parent = Files.createDirectories(tmp.resolve("small"));
        try (ScratchMount ignored = ScratchMount.tmpfs(parent, "size=16k")) {
            Files.writeString(parent.resolve("keep.txt"), "mine");
            var before = FolderSnapshot.of(parent);
            merge(parent.resolve("out")).assertBadInput("no space left on "
                    + parent.resolve(".out.partial-" + ProcessHandle.current().pid()).resolve("model.safetensors"));
            assertEquals(before, FolderSnapshot.of(parent), "the partial output is gone, the user's file untouched");
        }
    }
}
