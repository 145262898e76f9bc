package dev.amalgam.cluster;

import dev.amalgam.evolve.run.TinyZoo;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.Journal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker JVM that joins a running search gets work at once: the coordinator (with {@code --no-local}, so only
 * workers score) starts with one worker; a second worker is started once generation 0 is journalled, and scores
 * candidates of a later generation. The journal is still that of a single-process run with the same seed.
 */
class WorkerJoinTest {
    @TempDir
    Path dir;

    @Test
    void aWorkerThatJoinsMidRunScoresLaterGenerations() throws Exception {
        // CMA-ES: every candidate is new (a GA's repeats come from the cache), so the run outlasts a JVM's start.
        Path config = TinyZoo.write(dir, "cmaes", 6, 5, 12, "clustered");
        try (ClusterProcesses cluster = new ClusterProcesses(dir, "join-" + ProcessHandle.current().pid())) {
            Process coordinator = cluster.coordinator(config, "--no-local", "--await-workers", "1");
            Process w1 = cluster.worker("w1");
            cluster.joined("w1", w1);
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!cluster.logText("coordinator").contains("gen   0  best")) {
                assertTrue(coordinator.isAlive() && System.nanoTime() < deadline, "generation 0 did not end: " + cluster.logText("coordinator"));
                Thread.sleep(20);
            }
            Process w2 = cluster.worker("w2");
            cluster.joined("w2", w2);
            assertTrue(coordinator.waitFor(240, TimeUnit.SECONDS), "the search did not finish: " + cluster.logText("coordinator"));
            assertEquals(0, coordinator.exitValue(), cluster.logText("coordinator"));
        }
        Journal clustered = Journal.read(dir.resolve("results/clustered"));
        ClusterSearchTest.assertSameSearch(Journal.read(ClusterSearchTest.localRun(dir, config)), clustered);
        List<Candidate> byW2 = clustered.candidates().stream().filter(c -> c.worker().equals("w2")).toList();
        assertFalse(byW2.isEmpty(), () -> "the joining worker scored nothing; logs:\n" + ClusterSearchTest.logs(dir, "coordinator", "w1", "w2"));
        assertTrue(byW2.stream().allMatch(c -> c.generation() > 0), "w2 joined after generation 0");
        assertTrue(clustered.candidates().stream().noneMatch(c -> c.worker().equals(Coordinator.SLOT)), "--no-local: the coordinator scored nothing");
    }
}
