package dev.amalgam.evolve.run;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.ChildAmalgam;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.history.GenerationStats;
import dev.amalgam.history.RunFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills a search in a child JVM with SIGKILL mid-generation, resumes it, and compares it with an uninterrupted run
 * of the same config and seed: the same candidate rows (none lost, none twice), the same generations and the same
 * best recipe, and no torn file at the moment of the kill.
 */
class KillResumeTest {
    @TempDir
    Path dir;

    @Test
    void killedSearchResumesToTheUninterruptedResult() throws Exception {
        int population = 6;
        Path config = TinyZoo.write(dir, "ga", population, 3, 12, "killed");
        Path straightConfig = dir.resolve("straight.yaml");
        Files.writeString(straightConfig, Files.readString(config).replace("run_name: killed", "run_name: straight"));
        Path killedRun = dir.resolve("results/killed");

        Process child = new ProcessBuilder(ChildAmalgam.command("evolve", config.toString(), "--no-progress"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        // Kill as soon as a generation after 0 is part-way scored. The child is frozen (SIGSTOP) before the last look,
        // so its files cannot change between that look and the kill: a candidate takes tens of milliseconds, and the
        // generation could otherwise end in between. If it ended just before the freeze, the child goes on (SIGCONT).
        long deadline = System.nanoTime() + 120_000_000_000L;
        try {
            while (true) {
                while (partialGenerationRows(killedRun) < 1 || rows(killedRun.resolve(RunFiles.GENERATIONS)) < 1) {
                    assertTrue(child.isAlive(), "the child finished before it could be killed: " + Files.readString(dir.resolve("child.log")));
                    assertTrue(System.nanoTime() < deadline, "the child made no progress");
                    Thread.sleep(5);
                }
                signal(child, "STOP");
                if (partialGenerationRows(killedRun) >= 1) {
                    break;
                }
                signal(child, "CONT");
            }
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux (a stopped process dies too): no shutdown hooks, no finally blocks
        }
        assertEquals(137, child.waitFor(), "the child must die by SIGKILL, not finish");

        assertNoTornFile(killedRun);
        assertTrue(partialGenerationRows(killedRun) >= 1, "not killed mid-generation");
        assertTrue(rows(killedRun.resolve(RunFiles.CANDIDATES)) > population);
        assertTrue(Files.notExists(killedRun.resolve(RunFiles.BEST)));

        EvolveJob.Options options = new EvolveJob.Options(false, Device.cpu(), w -> { });
        List<Boolean> replayed = new ArrayList<>();
        EvolveJob.Result resumed = EvolveJob.resume(killedRun, options, new SearchRun.Listener() {
            @Override
            public void generationDone(GenerationStats summary, boolean wasReplayed) {
                replayed.add(wasReplayed);
            }
        });
        assertTrue(replayed.getFirst(), "generation 0 must come from the journal");
        EvolveJob.Result straight = EvolveJob.start(SearchConfigYaml.parse(straightConfig), options, SearchRun.Listener.NONE);

        // Without merge, score and total seconds, worker, started_at, ended_at, failure (the clock's, and who).
        List<String> clock = List.of("merge_seconds", "score_seconds", "seconds", "worker", "started_at", "ended_at", "failure");
        List<String> a = without(resumed.runDir().resolve(RunFiles.CANDIDATES), clock);
        List<String> b = without(straight.runDir().resolve(RunFiles.CANDIDATES), clock);
        assertEquals(b.size(), new HashSet<>(a).size(), "a row lost or duplicated");
        assertEquals(new HashSet<>(b), new HashSet<>(a));
        assertEquals(a.size(), new HashSet<>(a.stream().map(r -> r.split(",")[2]).toList()).size(), "a genome scored twice");
        assertEquals(without(straight.runDir().resolve(RunFiles.GENERATIONS), List.of("elapsed_seconds")),
                without(resumed.runDir().resolve(RunFiles.GENERATIONS), List.of("elapsed_seconds")));
        assertEquals(straight.best().id(), resumed.best().id());
        assertEquals(Files.readString(straight.bestRecipe()), Files.readString(resumed.bestRecipe()));
        assertEquals(Files.readString(straight.runDir().resolve(RunFiles.HELDOUT)), Files.readString(resumed.runDir().resolve(RunFiles.HELDOUT)));
    }

    /** Sends SIGSTOP or SIGCONT ({@code name}) to {@code child} with kill(1), and waits until it is delivered. */
    private static void signal(Process child, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(child.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name + " failed");
    }

    /** Candidate rows of the generation after the last complete one. */
    private static int partialGenerationRows(Path run) throws IOException {
        int complete = rows(run.resolve(RunFiles.GENERATIONS)) - 1;
        if (!Files.isRegularFile(run.resolve(RunFiles.CANDIDATES))) {
            return 0;
        }
        List<String> lines = Files.readAllLines(run.resolve(RunFiles.CANDIDATES));
        return (int) lines.stream().skip(1).filter(l -> Integer.parseInt(l.substring(0, l.indexOf(','))) == complete + 1).count();
    }

    private static int rows(Path csv) throws IOException {
        return Files.isRegularFile(csv) ? (int) Files.readAllLines(csv).size() - 1 : 0;
    }

    /** Every CSV row has the header's column count; every JSON parses; no temp file is left over as a result. */
    private static void assertNoTornFile(Path run) throws IOException {
        try (Stream<Path> files = Files.walk(run)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".csv")) {
                    List<String> lines = Files.readAllLines(f);
                    int columns = lines.getFirst().split(",", -1).length;
                    for (String line : lines) {
                        assertEquals(columns, line.split(",", -1).length, f + ": torn row " + line);
                    }
                    assertTrue(Files.readString(f).endsWith("\n"), f + " ends mid-row");
                } else if (name.endsWith(".json")) {
                    new ObjectMapper().readTree(f.toFile());
                }
            }
        }
    }

    /** Rows without the named columns (the wall clock's), header excluded. */
    private static List<String> without(Path csv, List<String> columns) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.getFirst().split(",", -1));
        List<String> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < cells.length; i++) {
                if (!columns.contains(header.get(i))) {
                    kept.add(cells[i]);
                }
            }
            out.add(String.join(",", kept));
        }
        return out;
    }
}
