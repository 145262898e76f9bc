package dev.amalgam.cluster;

import dev.amalgam.evolve.run.CandidateScore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Workers (members in this JVM) that throw: a candidate one worker fails on is retried on the other and scored there;
 * one that fails on both is reported once, as failed with the reason, and the batch goes on.
 */
class WorkerFailureTest {
    private static final ClusterSecret SECRET = ClusterSecret.of("failure-test-secret-0123456789", "test");

    @Test
    void failureIsRetriedElsewhereOnceThenReportedWithItsReason() throws Exception {
        int port = ClusterProcesses.freePort();
        ClusterOptions options = new ClusterOptions("failure-" + ProcessHandle.current().pid(), List.of("127.0.0.1:" + port),
                ClusterOptions.LOOPBACK, port, SECRET);
        // "flaky" fails on genome 1; both fail on genome 2 (as when a candidate needs more memory than any worker has).
        Scorer flaky = (run, genes) -> {
            if (genes[0] >= 1) {
                throw new OutOfMemoryError("flaky ran out of memory on " + genes[0]);
            }
            return new CandidateScore(new double[]{genes[0]}, 0, 0);
        };
        Scorer sturdy = (run, genes) -> {
            if (genes[0] == 2) {
                throw new IllegalStateException("sturdy cannot score " + genes[0]);
            }
            return new CandidateScore(new double[]{genes[0]}, 0, 0);
        };
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (ClusterNode coordinator = ClusterNode.start(options, "failure-coordinator", Map.of());
             Worker a = Worker.start(options, "flaky", flaky, line -> { });
             Worker b = Worker.start(options, "sturdy", sturdy, line -> { })) {
            ClusterEvaluator evaluator = new ClusterEvaluator(coordinator, RunSpec.signed("run-f", "", false, SECRET), 1, 2, new WorkerActivity(), log::add);
            List<double[]> genomes = List.of(new double[]{0}, new double[]{1}, new double[]{2}, new double[]{0.5});
            List<Integer> order = new ArrayList<>();
            List<CandidateScore> scores = new ArrayList<>(Collections.nCopies(4, null));
            evaluator.evaluate(genomes, (i, s) -> {
                order.add(i);
                scores.set(i, s);
            });
            assertEquals(List.of(0, 1, 2, 3), order, "each candidate reported once, in batch order");
            assertEquals(1.0, scores.get(1).tasks()[0], 0.0, "genome 1 scored on the other worker");
            assertEquals("sturdy", scores.get(1).worker());
            assertEquals("", scores.get(1).failure());
            CandidateScore failed = scores.get(2);
            assertTrue(Double.isNaN(failed.tasks()[0]) && failed.tasks().length == 1, "a failed candidate has NaN scores");
            assertTrue(failed.failure().contains("cannot score 2.0") || failed.failure().contains("out of memory on 2.0"),
                    failed.failure());
            // Genome 2 fails on whichever worker gets it first, is retried once on the other, and is then given up.
            assertEquals(1, log.stream().filter(l -> l.contains("t2 failed") && l.contains("retrying on another worker")).count(),
                    log.toString());
            assertEquals(0.5, scores.get(3).tasks()[0], 0.0);
        }
    }
}
