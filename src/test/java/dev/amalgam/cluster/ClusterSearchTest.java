package dev.amalgam.cluster;

import ai.djl.Device;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.run.EvolveJob;
import dev.amalgam.evolve.run.SearchRun;
import dev.amalgam.evolve.run.TinyZoo;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.GenerationStats;
import dev.amalgam.history.Journal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real multi-process clusters on loopback: a coordinator (which scores candidates too, as worker 'coordinator') and
 * worker JVMs search the TinyZoo, and their journal is compared with a single-process run of the same config and seed.
 */
class ClusterSearchTest {
    @TempDir
    Path dir;

    @Test
    void generationalSearchOnTwoWorkersJournalsWhatOneProcessDoes() throws Exception {
        Path config = TinyZoo.write(dir, "ga", 6, 2, 12, "clustered");
        Path local;
        try (ClusterProcesses cluster = new ClusterProcesses(dir, "eq-" + ProcessHandle.current().pid())) {
            Process coordinator = cluster.coordinator(config, "--await-workers", "2");
            Process w1 = cluster.worker("w1");
            Process w2 = cluster.worker("w2");
            local = localRun(dir, config); // meanwhile
            cluster.joined("w1", w1);
            cluster.joined("w2", w2);
            assertTrue(coordinator.waitFor(120, TimeUnit.SECONDS), "the search did not finish: " + cluster.logText("coordinator"));
            assertEquals(0, coordinator.exitValue(), cluster.logText("coordinator"));
            assertTrue(cluster.logText("coordinator").contains("workers 3, utilisation"), "the generation line shows the workers");
        }
        Journal clustered = Journal.read(dir.resolve("results/clustered"));
        assertSameSearch(Journal.read(local), clustered);
        // The coordinator scores too (its own slot, first in the dispatch), and each free worker gets a candidate at once.
        assertEquals(Set.of(Coordinator.SLOT, "w1", "w2"), clustered.candidates().stream().map(Candidate::worker).collect(Collectors.toSet()),
                () -> "the coordinator and both workers scored candidates; logs:\n" + logs(dir, "coordinator", "w1", "w2"));
        for (Candidate c : clustered.candidates()) {
            assertTrue(c.endedAt() >= c.startedAt() && c.startedAt() > 1.7e9, c.id() + " has no timing");
        }
    }

    static String logs(Path dir, String... names) {
        StringBuilder out = new StringBuilder();
        for (String n : names) {
            try {
                out.append("--- ").append(n).append('\n').append(Files.readString(dir.resolve(n + ".log")));
            } catch (java.io.IOException e) {
                out.append("--- ").append(n).append(": no log\n");
            }
        }
        return out.toString();
    }

    /** The same config and seed scored in this JVM; returns its run folder. */
    static Path localRun(Path dir, Path config) throws Exception {
        Path localConfig = dir.resolve("local.yaml");
        Files.writeString(localConfig, Files.readString(config).replace("run_name: clustered", "run_name: local"));
        return EvolveJob.start(SearchConfigYaml.parse(localConfig), new EvolveJob.Options(false, Device.cpu(), w -> { }),
                SearchRun.Listener.NONE).runDir();
    }

    /** Equal candidate rows (ids, genomes, scores, in journal order) and generation rows, timings aside. */
    static void assertSameSearch(Journal expected, Journal actual) {
        List<Candidate> e = expected.candidates();
        List<Candidate> a = actual.candidates();
        assertEquals(e.stream().map(Candidate::id).toList(), a.stream().map(Candidate::id).toList());
        for (int i = 0; i < e.size(); i++) {
            assertEquals(e.get(i).key(), a.get(i).key(), e.get(i).id());
            assertArrayEquals(e.get(i).tasks(), a.get(i).tasks(), 0.0, e.get(i).id() + " scores");
            assertEquals(e.get(i).fitness(), a.get(i).fitness(), 0.0, e.get(i).id() + " fitness");
        }
        List<GenerationStats> eg = expected.generations();
        List<GenerationStats> ag = actual.generations();
        assertEquals(eg.size(), ag.size());
        for (int g = 0; g < eg.size(); g++) {
            assertEquals(eg.get(g).best(), ag.get(g).best(), 0.0, "generation " + g);
            assertEquals(eg.get(g).bestCandidateId(), ag.get(g).bestCandidateId(), "generation " + g);
            assertEquals(Arrays.toString(eg.get(g).bestTasks()), Arrays.toString(ag.get(g).bestTasks()));
        }
    }
}
