package dev.amalgam.cluster;

import dev.amalgam.evolve.run.TinyZoo;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.Journal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills a worker JVM with SIGKILL while it scores a candidate: the coordinator sends that candidate to the other
 * worker and the search ends with the journal of a single-process run (no candidate lost, none twice).
 */
class WorkerKillTest {
    @TempDir
    Path dir;

    @Test
    void killedWorkersCandidateGoesElsewhereAndNothingIsLostOrDoubled() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 6, 2, 12, "clustered");
        try (ClusterProcesses cluster = new ClusterProcesses(dir, "kill-" + ProcessHandle.current().pid())) {
            Process coordinator = cluster.coordinator(config, "--await-workers", "2");
            Process victim = cluster.worker("w1");
            Process w2 = cluster.worker("w2");
            cluster.joined("w1", victim);
            cluster.joined("w2", w2);
            // Kill once w1 has finished one candidate and begun its second: it holds that one in flight.
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (cluster.logText("w1").split("scoring ", -1).length - 1 < 2) {
                assertTrue(victim.isAlive() && System.nanoTime() < deadline, "w1 never got a second candidate: " + cluster.logText("w1"));
                Thread.sleep(5);
            }
            victim.destroyForcibly(); // SIGKILL: no shutdown hook, Hazelcast cannot say goodbye
            assertEquals(137, victim.waitFor());
            assertTrue(coordinator.waitFor(120, TimeUnit.SECONDS), "the search did not finish: " + cluster.logText("coordinator"));
            assertEquals(0, coordinator.exitValue(), cluster.logText("coordinator"));
            assertTrue(cluster.logText("coordinator").contains("left; candidate"),
                    "the killed worker's candidate was not sent again: " + cluster.logText("coordinator"));
        }
        Journal clustered = Journal.read(dir.resolve("results/clustered")); // the reader refuses an id logged twice
        ClusterSearchTest.assertSameSearch(Journal.read(ClusterSearchTest.localRun(dir, config)), clustered);
        long afterKill = clustered.candidates().stream().map(Candidate::worker).filter("w2"::equals).count();
        assertTrue(afterKill > 0, "w2 scored nothing");
    }
}
