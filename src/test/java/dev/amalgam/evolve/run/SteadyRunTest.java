package dev.amalgam.evolve.run;

import dev.amalgam.evolve.config.Schedule;
import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.GenerationStats;
import dev.amalgam.history.Journal;
import dev.amalgam.history.JournalTable;
import dev.amalgam.history.SearchJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code search.schedule: steady} in one process (one slot) on the model-free problem, through the real journal. */
class SteadyRunTest {
    static final int POPULATION = 16;
    static final int GENERATIONS = 15;
    /** The candidates.csv columns without genes and tasks: the ones after the tasks end every line. */
    private static final List<String> TAIL = JournalTable.CANDIDATES.header(List.of(), List.of());

    @TempDir
    Path dir;

    static SearchRun.Outcome run(SyntheticProblem p, Path runDir, BatchEvaluator evaluator, boolean resume) {
        List<String> genes = p.genome.genes().stream().map(Genome.Gene::name).toList();
        try (SearchJournal journal = resume ? SearchJournal.open(runDir, genes, List.of("a", "b"))
                : SearchJournal.create(runDir, "synthetic: true\n", genes, List.of("a", "b"))) {
            return SearchRun.run(p.config, p.genome, evaluator, journal, SearchRun.Listener.NONE);
        }
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void steadyRunScoresTheGenerationalBudgetReproduciblyAndImproves(Strategy strategy) throws IOException {
        SyntheticProblem p = new SyntheticProblem(strategy, Schedule.STEADY, POPULATION, GENERATIONS, 5, dir);
        SearchRun.Outcome outcome = run(p, dir.resolve("a"), p.evaluator(), false);
        run(p, dir.resolve("b"), p.evaluator(), false);
        Journal a = Journal.read(dir.resolve("a"));
        List<Candidate> rows = a.candidates();
        assertEquals(POPULATION * (GENERATIONS + 1), rows.size(), "the budget of the generational run");
        assertEquals("generations", outcome.stopReason());
        assertEquals(GENERATIONS, outcome.lastGeneration());
        for (int k = 0; k < rows.size(); k++) {
            assertEquals(k / POPULATION, rows.get(k).generation(), "generation = completed-evaluation index / population");
            assertEquals("g" + k / POPULATION + "-c" + k % POPULATION, rows.get(k).id());
        }
        assertEquals(rows.size(), new HashSet<>(rows.stream().map(Candidate::key).toList()).size(), "no genome scored twice");
        List<GenerationStats> gens = a.generations();
        assertEquals(GENERATIONS + 1, gens.size());
        for (GenerationStats g : gens) {
            assertEquals((g.generation() + 1) * POPULATION, g.evaluations());
        }
        // As StrategyImprovementTest claims of the generational runs: the last row's mean clearly beats the first's
        // (GA/NSGA-II: the kept population; CMA-ES: the last λ samples), and the run found better than generation 0.
        assertTrue(gens.getLast().mean() > gens.getFirst().mean() + 0.02, strategy + ": mean " + gens.getFirst().mean() + " -> " + gens.getLast().mean());
        assertTrue(rows.stream().mapToDouble(Candidate::fitness).max().orElseThrow() > gens.getFirst().best(), strategy + " found nothing better");
        // One slot: the run is deterministic.
        assertEquals(Files.readAllLines(dir.resolve("a/candidates.csv")).stream().map(SteadyRunTest::withoutTimes).toList(),
                Files.readAllLines(dir.resolve("b/candidates.csv")).stream().map(SteadyRunTest::withoutTimes).toList());
    }

    /** A candidates.csv line without its timing columns (started_at, ended_at differ between runs). */
    static String withoutTimes(String line) {
        String[] cells = line.split(",", -1);
        // started_at and ended_at, counted from the end (the gene and task columns before them vary)
        int started = cells.length - (TAIL.size() - TAIL.indexOf("started_at"));
        List<String> kept = new ArrayList<>(List.of(cells));
        kept.subList(started, started + 2).clear();
        return String.join(",", kept);
    }

    @Test
    void aKilledSteadyRunResumesFromItsJournalToTheFullBudget() throws IOException {
        SyntheticProblem p = new SyntheticProblem(Strategy.GA, Schedule.STEADY, POPULATION, GENERATIONS, 3, dir);
        Path run = dir.resolve("run");
        int[] scored = {0};
        BatchEvaluator dies = (genomes, results) -> {
            if (scored[0]++ == 21) {
                throw new IllegalStateException("killed");
            }
            p.evaluator().evaluate(genomes, results);
        };
        assertThrows(IllegalStateException.class, () -> run(p, run, dies, false));
        List<Candidate> before = Journal.read(run).candidates();
        assertEquals(21, before.size());
        Path copy = dir.resolve("copy");
        Files.createDirectories(copy.resolve("population"));
        try (Stream<Path> files = Files.walk(run)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".lock")).toList()) {
                Files.copy(f, copy.resolve(run.relativize(f)));
            }
        }
        SearchRun.Outcome outcome = run(p, run, p.evaluator(), true);
        List<Candidate> after = Journal.read(run).candidates();
        assertEquals(POPULATION * (GENERATIONS + 1), after.size());
        assertEquals(before.stream().map(Candidate::key).toList(), after.subList(0, 21).stream().map(Candidate::key).toList());
        assertEquals(after.size(), new HashSet<>(after.stream().map(Candidate::id).toList()).size());
        assertEquals(GENERATIONS + 1, Journal.read(run).generations().size());
        assertEquals(after.size(), outcome.candidates().size());
        // The journal is the whole state: resuming the same journal again gives the same continuation.
        run(p, copy, p.evaluator(), true);
        assertEquals(after.stream().map(Candidate::key).toList(), Journal.read(copy).candidates().stream().map(Candidate::key).toList());
    }
}
