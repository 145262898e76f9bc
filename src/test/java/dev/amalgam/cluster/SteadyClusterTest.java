package dev.amalgam.cluster;

import dev.amalgam.evolve.run.TinyZoo;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.Journal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code search.schedule: steady} on a coordinator and two worker JVMs, one of them slowed down
 * ({@code --slowdown-ms}): from the journal's start and end times, both workers stayed busy for the whole run, the
 * slow one scored fewer candidates, and every candidate of the budget is there exactly once.
 */
class SteadyClusterTest {
    /**
     * Busy time over the worker's span (the run's first start to the worker's last end), per worker. Below 1: the
     * hand-over gap per candidate. The span leaves out the run's ragged end, where the fast worker has nothing left while
     * the slow one finishes its last candidate (up to a second of a 10-second run, which put a fast worker at 0.799
     * once): a generation barrier would make the fast worker wait at every generation, not only at the end.
     */
    static final double MIN_UTILISATION = 0.8;
    static final int POPULATION = 4;
    static final int GENERATIONS = 9;

    @TempDir
    Path dir;

    @Test
    void aFastAndASlowWorkerBothStayBusyAndNothingIsLostOrDoubled() throws Exception {
        Path config = TinyZoo.write(dir, "ga", POPULATION, GENERATIONS, 12, "steady");
        Files.writeString(config, Files.readString(config).replace("seed: 7", "seed: 7\n  schedule: steady"));
        try (ClusterProcesses cluster = new ClusterProcesses(dir, "steady-" + ProcessHandle.current().pid())) {
            Process coordinator = cluster.coordinator(config, "--await-workers", "2");
            // The tiny zoo's candidates take tens of milliseconds since the merge kernel streams: a pause of its own
            // keeps the fast worker's candidates long next to the fixed hand-over gap, which is what this measures.
            Process fast = cluster.worker("fast", "--slowdown-ms", "250");
            Process slow = cluster.worker("slow", "--slowdown-ms", "1000"); // about twice a demo candidate's scoring here
            cluster.joined("fast", fast);
            cluster.joined("slow", slow);
            assertTrue(coordinator.waitFor(300, TimeUnit.SECONDS), "the search did not finish: " + cluster.logText("coordinator"));
            assertEquals(0, coordinator.exitValue(), cluster.logText("coordinator"));
        }
        List<Candidate> rows = Journal.read(dir.resolve("results/steady")).candidates(); // the reader refuses an id logged twice
        assertEquals(POPULATION * (GENERATIONS + 1), rows.size(), "the budget: population x (generations + 1)");
        assertEquals(rows.size(), new HashSet<>(rows.stream().map(Candidate::key).toList()).size(), "a genome scored twice");
        assertTrue(rows.stream().allMatch(c -> c.failure().isEmpty()), "a candidate failed");
        double start = rows.stream().mapToDouble(Candidate::startedAt).min().orElseThrow();
        double end = rows.stream().mapToDouble(Candidate::endedAt).max().orElseThrow();
        StringBuilder report = new StringBuilder();
        long[] counts = new long[2];
        double[] utilisation = new double[2];
        List<String> workers = List.of("fast", "slow");
        for (int w = 0; w < 2; w++) {
            String name = workers.get(w);
            List<Candidate> mine = rows.stream().filter(c -> c.worker().equals(name)).toList();
            counts[w] = mine.size();
            double ownEnd = mine.stream().mapToDouble(Candidate::endedAt).max().orElse(end);
            utilisation[w] = mine.stream().mapToDouble(c -> c.endedAt() - c.startedAt()).sum() / (ownEnd - start);
            report.append(String.format(Locale.ROOT, "%s: %d candidates, utilisation %.3f; ", name, counts[w], utilisation[w]));
        }
        System.out.println("steady cluster over " + String.format(Locale.ROOT, "%.1f s: ", end - start) + report);
        assertTrue(counts[1] > 0 && counts[1] < counts[0], "the slow worker scored fewer: " + report);
        for (int w = 0; w < 2; w++) {
            assertTrue(utilisation[w] >= MIN_UTILISATION, workers.get(w) + " idled: " + report);
        }
    }
}
