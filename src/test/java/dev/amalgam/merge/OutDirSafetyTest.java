package dev.amalgam.merge;

import dev.amalgam.CliRun;
import dev.amalgam.FolderSnapshot;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code amalgam merge} never destroys what is at OUT_DIR: a non-empty folder or a file is refused without
 * {@code --overwrite}; with it, only a model folder is replaced, and never one that is or holds the working
 * directory, the recipe, an input model or the tokenizer source.
 */
class OutDirSafetyTest {
    static final Path base = SmallInputs.BASE;
    static final Path ft = SmallInputs.FT;

    static Path recipe(Path dir, double weight) throws IOException {
        Path p = dir.resolve("recipe.yaml");
        Files.writeString(p, """
                merge_method: linear
                models:
                  - model: %s
                    parameters: {weight: %s}
                  - model: %s
                    parameters: {weight: 0.5}
                """.formatted(base, weight, ft));
        return p;
    }

    static CliRun merge(Path recipe, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("merge", recipe.toString(), out.toString(), "--no-progress", "--device", "cpu"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    static List<String> hiddenSiblings(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out.toAbsolutePath().getParent())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("." + out.getFileName() + ".")).toList();
        }
    }

    @Test
    void aFileIsNeverReplaced(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        Files.writeString(out, "a file");
        Path recipe = recipe(tmp, 0.5);
        var before = FolderSnapshot.of(tmp);
        merge(recipe, out).assertBadInput(out.toString(), "is a file");
        merge(recipe, out, "--overwrite").assertBadInput(out.toString(), "is a file");
        assertEquals(before, FolderSnapshot.of(tmp));
    }

    @Test
    void anEmptyFolderIsFilledWithoutOverwrite(@TempDir Path tmp) throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out"));
        CliRun r = merge(recipe(tmp, 0.5), out);
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
    }

    @Test
    void overwriteReplacesAModelFolderAndLeavesNothingHidden(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        assertEquals(0, merge(recipe(tmp, 0.5), out).exit());
        var first = FolderSnapshot.of(out);
        Path second = recipe(tmp, 0.25);
        merge(second, out).assertBadInput("not empty", "--overwrite");
        assertEquals(first, FolderSnapshot.of(out), "refused: unchanged");
        CliRun r = merge(second, out, "--overwrite");
        assertEquals(0, r.exit(), r.err());
        assertNotEquals(first, FolderSnapshot.of(out), "replaced");
        assertEquals(0.25 * MergeCommandEndToEndTest.read(base, "model.norm.weight")[0] + 0.5 * MergeCommandEndToEndTest.read(ft, "model.norm.weight")[0],
                MergeCommandEndToEndTest.read(out, "model.norm.weight")[0] * 0.75, 1e-5);
        assertEquals(List.of(), hiddenSiblings(out));
    }

    @Test
    void overwriteNeverReplacesAnInputModel(@TempDir Path tmp) throws IOException {
        Path recipe = recipe(tmp, 0.5);
        var before = FolderSnapshot.of(SmallInputs.DIR);
        merge(recipe, base, "--overwrite").assertBadInput(base.toString(), "input model");
        merge(recipe, SmallInputs.DIR, "--overwrite").assertBadInput(SmallInputs.DIR.toString(), "input model");
        assertEquals(before, FolderSnapshot.of(SmallInputs.DIR));
    }

    @Test
    void overwriteNeverReplacesTheFolderHoldingTheRecipe(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        assertEquals(0, merge(recipe(tmp, 0.5), out).exit());
        Path inside = recipe(out, 0.25); // a model folder that now holds the recipe
        var before = FolderSnapshot.of(out);
        merge(inside, out, "--overwrite").assertBadInput(out.toString(), "the recipe");
        assertEquals(before, FolderSnapshot.of(out));
    }

    @Test
    void overwriteNeverReplacesTheTokenizerSource(@TempDir Path tmp) throws IOException {
        Path tok = tmp.resolve("tok");
        MergeCommandEndToEndTest.SHAPE.write(tok, DType.F32, 1, 0, 0f, 1 << 20);
        Path recipe = recipe(tmp, 0.5);
        Files.writeString(recipe, Files.readString(recipe) + "tokenizer_source: " + tok + "\n");
        var before = FolderSnapshot.of(tok);
        merge(recipe, tok, "--overwrite").assertBadInput(tok.toString(), "tokenizer source");
        assertEquals(before, FolderSnapshot.of(tok));
    }

    /** {@code amalgam merge recipe.yaml .} in a folder holding the recipe and a model: the wiped working directory. */
    @Test
    void theWorkingDirectoryIsNeverReplaced(@TempDir Path tmp) throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("work"));
        Path model = cwd.resolve("model");
        MergeCommandEndToEndTest.SHAPE.write(model, DType.F32, 1, 0, 0f, 1 << 20);
        Files.writeString(cwd.resolve("recipe.yaml"), "merge_method: linear\nmodels:\n  - model: ./model\n    parameters: {weight: 1.0}\n");
        Path sub = Files.createDirectories(cwd.resolve("sub"));
        var before = FolderSnapshot.of(cwd);
        for (List<String> args : List.of(List.of("merge", "recipe.yaml", "."), List.of("merge", "recipe.yaml", ".", "--overwrite"),
                List.of("merge", "../recipe.yaml", "..", "--overwrite"))) {
            Path log = tmp.resolve("child.log");
            Path dir = args.get(2).equals("..") ? sub : cwd;
            Process child = CliRun.child(dir, log, Stream.concat(args.stream(), Stream.of("--no-progress", "--device", "cpu")).toArray(String[]::new));
            assertEquals(2, child.waitFor(), args + ": " + Files.readString(log));
            assertTrue(Files.readString(log).contains("working directory"), Files.readString(log));
            assertEquals(before, FolderSnapshot.of(cwd), args + ": nothing changed");
        }
    }

    @Test
    void leftoversOfKilledMergesAreSettledByTheNextMerge(@TempDir Path tmp) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid();
        Path out = tmp.resolve("out");
        Path recipe = recipe(tmp, 0.5);
        // A partial folder and a backup whose replacement never happened (the kill fell between the two renames).
        assertEquals(0, merge(recipe, tmp.resolve("old")).exit());
        var old = FolderSnapshot.of(tmp.resolve("old"));
        Files.move(tmp.resolve("old"), tmp.resolve(".out.backup-" + dead));
        Files.createDirectories(tmp.resolve(".out.partial-" + dead)).resolve("config.json").toFile().createNewFile();
        Path alive = Files.createDirectories(tmp.resolve(".out.partial-" + ProcessHandle.current().parent().orElseThrow().pid()));

        CliRun r = merge(recipe(tmp, 0.25), out);
        r.assertBadInput("not empty", "--overwrite"); // the old folder is back in place, so it is not replaced silently
        assertTrue(r.err().contains("restored " + out), r.err());
        assertEquals(old, FolderSnapshot.of(out));
        assertEquals(List.of(alive.getFileName().toString()), hiddenSiblings(out), "a live process's folder stays");

        // A backup left after the replacement completed is deleted.
        Files.createDirectories(tmp.resolve(".out.backup-" + dead)).resolve("x").toFile().createNewFile();
        assertEquals(0, merge(recipe(tmp, 0.25), out, "--overwrite").exit());
        assertEquals(List.of(alive.getFileName().toString()), hiddenSiblings(out));
    }
}
