package dev.amalgam.merge;

import dev.amalgam.CliRun;
import dev.amalgam.FolderSnapshot;
import dev.amalgam.bench.SyntheticLlama;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiPredicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Real faults during {@code amalgam merge} in a child JVM. Kills while it replaces an existing OUT_DIR
 * ({@code --overwrite}): after a SIGKILL at any moment OUT_DIR is the complete old or the complete new folder, and the
 * next merge to the same target settles the hidden leftovers; after a SIGTERM nothing is left behind at all. An input
 * truncated mid-merge is an error naming the file, not a JVM crash.
 */
class MergeKillTest {
    /** 22 MB of fp32 per model, merged into ~30 bf16 shards: long enough to be killed at distinct moments. */
    static final SyntheticLlama SHAPE = new SyntheticLlama(192, 512, 8, 4, 2, 6000, false);

    @TempDir
    Path dir;

    /** A moment to kill at: true once it has come, given the child's pid and the identity of the folder it replaces. */
    private record Moment(String name, BiPredicate<Long, Object> reached) {
    }

    @Test
    void outDirIsAlwaysTheCompleteOldOrNewFolder() throws Exception {
        Path out = dir.resolve("out");
        Path[] recipes = {recipe("a", 0.3), recipe("b", 0.7)};
        List<Map<String, String>> complete = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Path reference = dir.resolve("reference-" + r);
            assertEquals(0, run(recipes[r], reference).exit());
            complete.add(FolderSnapshot.of(reference));
        }
        assertEquals(0, run(recipes[0], out).exit());

        int[] entries = {entries(out)}; // every complete folder has this many files
        long shards = shardsAtFullSize(dir.resolve("reference-0"), dir.resolve("reference-0"));
        List<Moment> moments = List.of(
                new Moment("staging created", (pid, old) -> Files.exists(hidden(out, "partial", pid))),
                new Moment("half the shards written", (pid, old) -> shardsAtFullSize(hidden(out, "partial", pid), dir.resolve("reference-0")) >= shards / 2),
                new Moment("OUT_DIR starts to change", (pid, old) -> !Objects.equals(fileKey(out), old) || entries(out) != entries[0]),
                new Moment("backup created", (pid, old) -> Files.exists(hidden(out, "backup", pid))),
                new Moment("new folder renamed in", (pid, old) -> fileKey(out) != null && !fileKey(out).equals(old)));
        List<String> hits = new ArrayList<>();
        int old = 0; // which complete folder the next merge replaces (its "old"); it writes the other one
        Object oldKey = fileKey(out); // the old folder's identity, which a rename keeps
        for (Moment moment : moments) {
            Path log = dir.resolve("child.log");
            Process child = CliRun.child(dir, log, "merge", recipes[1 - old].toString(), out.toString(), "--overwrite",
                    "--no-progress", "--device", "cpu", "--out-shard-size", "500K");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (child.isAlive() && !moment.reached().test(child.pid(), oldKey)) {
                assertTrue(System.nanoTime() < deadline, moment.name() + ": never reached");
                LockSupport.parkNanos(50_000); // poll often (the backup lives for milliseconds) but leave the child a core
            }
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
            int exit = child.waitFor();
            assertTrue(exit == 137 || exit == 0, moment.name() + ": " + Files.readString(log));
            hits.add(moment.name() + (exit == 137 ? ": killed" : ": finished first"));

            Map<String, String> now = FolderSnapshot.of(out);
            if (now.isEmpty()) {
                // Only between the two renames: the old folder is the backup, which the next merge renames back.
                assertEquals(complete.get(old), FolderSnapshot.of(hidden(out, "backup", child.pid())), moment.name());
                hits.add(moment.name() + ": between the renames");
                oldKey = fileKey(hidden(out, "backup", child.pid()));
            } else {
                assertTrue(now.equals(complete.get(old)) || now.equals(complete.get(1 - old)),
                        moment.name() + ": OUT_DIR is neither the complete old nor the complete new folder: " + now.keySet());
                old = complete.indexOf(now);
                oldKey = fileKey(out);
            }
        }
        System.out.println("kill moments: " + hits);
        assertEquals(List.of("staging created: killed", "half the shards written: killed"), hits.subList(0, 2), "killed mid-merge");

        // The next merge to the same target settles every leftover and leaves nothing hidden.
        CliRun last = run(recipes[1], out, "--overwrite");
        assertEquals(0, last.exit(), last.err());
        assertEquals(complete.get(1), FolderSnapshot.of(out));
        assertEquals(List.of(), OutDirSafetyTest.hiddenSiblings(out));
    }

    @Test
    void sigtermRemovesTheStagedFolder() throws Exception {
        Path out = dir.resolve("out");
        Path recipe = recipe("a", 0.5);
        assertEquals(0, run(recipe, out).exit());
        Map<String, String> old = FolderSnapshot.of(out);
        Process child = CliRun.child(dir, dir.resolve("child.log"), "merge", recipe.toString(), out.toString(), "--overwrite",
                "--no-progress", "--device", "cpu", "--out-shard-size", "500K");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(hidden(out, "partial", child.pid()))) {
            assertTrue(child.isAlive() && System.nanoTime() < deadline, Files.readString(dir.resolve("child.log")));
            LockSupport.parkNanos(1_000_000);
        }
        child.destroy(); // SIGTERM: shutdown hooks run
        assertEquals(143, child.waitFor(), Files.readString(dir.resolve("child.log")));
        assertEquals(List.of(), OutDirSafetyTest.hiddenSiblings(out));
        assertEquals(old, FolderSnapshot.of(out));
    }

    /** The case: an input truncated while {@code amalgam merge} runs, in a child JVM that must not crash. */
    @Test
    void anInputTruncatedDuringTheMergeIsAnErrorNotACrash() throws Exception {
        Path recipe = recipe("a", 0.5);
        Path out = dir.resolve("out");
        Path log = dir.resolve("child.log");
        Process child = CliRun.child(dir, log, "merge", recipe.toString(), out.toString(), "--no-progress", "--device", "cpu");
        Path staging = dir.resolve(".out.partial-" + child.pid());
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(staging)) {
            assertTrue(child.isAlive() && System.nanoTime() < deadline, Files.readString(log));
            LockSupport.parkNanos(100_000);
        }
        Path file = dir.resolve("ft").resolve(SafetensorsModel.SINGLE_FILE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(4096); // the header survives, the data does not
        }
        int exit = child.waitFor();
        String output = Files.readString(log);
        assertEquals(2, exit, output);
        assertTrue(output.lines().anyMatch(l -> l.startsWith("amalgam: error: " + file + " changed while being read")), output);
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("hs_err")), "no JVM crash log");
        }
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(staging));
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Shards in {@code staging} that have the size of their counterpart in {@code reference} (same shard plan). */
    private static long shardsAtFullSize(Path staging, Path reference) {
        try (Stream<Path> shards = Files.list(reference)) {
            return shards.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .filter(p -> size(p) == size(staging.resolve(p.getFileName()))).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int entries(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return (int) files.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /** A linear merge of a base and a fine-tune in {@link #SHAPE} (written on first use), as bf16. */
    private Path recipe(String name, double weight) throws IOException {
        Path base = dir.resolve("base");
        Path ft = dir.resolve("ft");
        if (!Files.exists(base)) {
            SHAPE.write(base, DType.F32, 1, 0, 0f, 1L << 30);
            SHAPE.write(ft, DType.F32, 1, 3, 1f, 1L << 30);
        }
        Path p = dir.resolve(name + ".yaml");
        Files.writeString(p, """
                merge_method: linear
                models:
                  - model: %s
                    parameters: {weight: %s}
                  - model: %s
                    parameters: {weight: %s}
                dtype: bfloat16
                """.formatted(base, weight, ft, 1 - weight));
        return p;
    }

    private static CliRun run(Path recipe, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("merge", recipe.toString(), out.toString(), "--no-progress", "--device", "cpu",
                "--out-shard-size", "500K"));
        args.addAll(List.of(extra));
        return CliRun.run(args.toArray(String[]::new));
    }

    private static Path hidden(Path out, String kind, long pid) {
        return out.resolveSibling("." + out.getFileName() + "." + kind + "-" + pid);
    }
}
