package dev.amalgam.evolve.run;

import dev.amalgam.cli.AmalgamCommand;
import dev.amalgam.history.RunFiles;
import dev.amalgam.history.RunLock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 9, items 3-5 and 12: a resume never writes to a journal it cannot continue, two processes never write one
 * run, a run killed before its tables existed still resumes, and evolve's own misuses are one-line errors.
 */
class ResumeSafetyTest {
    @TempDir
    static Path dir;
    static Path config;
    static Path run;

    @BeforeAll
    static void searchOnce() {
        config = TinyZoo.write(dir, "ga", 6, 1, 8, "run");
        run = dir.resolve("results/run");
        Run r = evolve(config.toString(), "--no-progress");
        assertEquals(0, r.exit(), r.err());
    }

    record Run(int exit, String err) {
    }

    static Run evolve(String... args) {
        CommandLine cli = AmalgamCommand.newCommandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("evolve"));
        all.addAll(List.of(args));
        return new Run(cli.execute(all.toArray(String[]::new)), err.toString());
    }

    static void assertOneLine(Run r, String... parts) {
        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        for (String p : parts) {
            assertTrue(r.err().contains(p), "missing '" + p + "' in: " + r.err());
        }
    }

    /** A copy of the finished run, to damage without touching the shared one. */
    static Path copyOfRun(String name) throws IOException {
        Path copy = dir.resolve("results").resolve(name);
        try (Stream<Path> files = Files.walk(run)) {
            for (Path p : files.toList()) {
                Path target = copy.resolve(run.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return copy;
    }

    /** Sets one cell of a copied run's candidates.csv (1-based file line, column by header name); returns the file. */
    static Path editCell(Path run, int line, String column, java.util.function.UnaryOperator<String> change) throws IOException {
        Path csv = run.resolve(RunFiles.CANDIDATES);
        List<String> lines = new ArrayList<>(Files.readAllLines(csv));
        int col = List.of(lines.getFirst().split(",")).indexOf(column);
        String[] cells = lines.get(line - 1).split(",", -1);
        cells[col] = change.apply(cells[col]);
        lines.set(line - 1, String.join(",", cells));
        Files.write(csv, lines);
        return csv;
    }

    @Test
    void anEditedScoreIsRefusedNamingFileLineAndColumnAndNothingIsAppended() throws IOException {
        Path copy = copyOfRun("edited");
        Path csv = editCell(copy, 4, "fitness", old -> "0.999");
        byte[] before = Files.readAllBytes(csv);

        assertOneLine(evolve("--resume", copy.toString(), "--no-progress"), csv.toString(), "line 4, column fitness", "0.999");
        assertArrayEquals(before, Files.readAllBytes(csv), "the refused resume appended nothing");
    }

    @Test
    void aCellThatIsNoNumberIsNamedByFileLineAndColumn() throws IOException {
        Path copy = copyOfRun("garbled");
        Path csv = editCell(copy, 2, "fitness", old -> "abc");
        assertOneLine(evolve("--resume", copy.toString(), "--no-progress"), csv.toString(), "line 2", "fitness", "abc");
    }

    @Test
    void aRowWithEditedGenesIsRefusedByItsGenomeKey() throws IOException {
        Path copy = copyOfRun("genes");
        String firstGene = Files.readAllLines(copy.resolve(RunFiles.CANDIDATES)).getFirst().split(",")[3];
        Path csv = editCell(copy, 3, firstGene, old -> String.valueOf(Double.parseDouble(old) * 0.5));
        byte[] before = Files.readAllBytes(csv);

        assertOneLine(evolve("--resume", copy.toString(), "--no-progress"), "line 3, column genome_key");
        assertArrayEquals(before, Files.readAllBytes(csv));
    }

    @Test
    void aSecondProcessOnTheSameRunIsRefusedNamingTheHolder() {
        try (RunLock held = RunLock.acquire(run)) {
            assertOneLine(evolve("--resume", run.toString(), "--no-progress"), run.toString(),
                    "in use by another amalgam process (pid " + ProcessHandle.current().pid() + ")");
        }
    }

    @Test
    void aRunKilledBeforeItsTablesExistedResumesFromNothing() throws IOException {
        Path copy = copyOfRun("bare");
        try (Stream<Path> files = Files.walk(copy)) { // what a kill right after run.yaml left (older versions)
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(copy) && !p.equals(copy.resolve(RunFiles.RUN))) {
                    Files.delete(p);
                }
            }
        }
        Run r = evolve("--resume", copy.toString(), "--no-progress");
        assertEquals(0, r.exit(), r.err());
        assertEquals(Files.readAllLines(run.resolve(RunFiles.CANDIDATES)).size(), Files.readAllLines(copy.resolve(RunFiles.CANDIDATES)).size());
    }

    @Test
    void resumeWithAConfigIsRefused() {
        assertOneLine(evolve(config.toString(), "--resume", run.toString()), "takes no CONFIG");
    }

    @Test
    void populationZeroIsAnErrorNotTheDefault() throws IOException {
        Path zero = dir.resolve("zero.yaml");
        Files.writeString(zero, Files.readString(config).replace("population: 6", "population: 0").replace("run_name: run", "run_name: zero"));
        assertOneLine(evolve(zero.toString(), "--no-progress"), zero.toString(), "search.population: expected at least 4");
        assertTrue(Files.notExists(dir.resolve("results/zero")));
    }
}
