package dev.amalgam.cluster;

import com.hazelcast.cluster.Member;
import dev.amalgam.evolve.run.CandidateScore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Members of one cluster name on loopback in this JVM: a worker with a wrong secret gets no work, and a member with
 * a wrong secret can neither have a task scored nor pass off a result.
 */
class ClusterSecretTest {
    private static final ClusterSecret RIGHT = ClusterSecret.of("the-right-secret-0123456789", "test");
    private static final ClusterSecret WRONG = ClusterSecret.of("a-wrong-secret-9876543210xx", "test");

    /** Scores a candidate as the sum of its genes (instantly); which worker did it is filled in by the worker. */
    private static final Scorer SUM = (run, genes) -> new CandidateScore(new double[]{genes[0] + genes[1]}, 0, 0);

    private static ClusterOptions options(String cluster, int port, ClusterSecret secret) {
        return new ClusterOptions(cluster, List.of("127.0.0.1:" + port), ClusterOptions.LOOPBACK, port, secret);
    }

    @Test
    void memberWithoutTheSecretCannotGetOrSubmitWork() throws Exception {
        String name = "secret-" + ProcessHandle.current().pid();
        int port = ClusterProcesses.freePort();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<String> badLog = Collections.synchronizedList(new ArrayList<>());
        try (ClusterNode coordinator = ClusterNode.start(options(name, port, RIGHT), "secret-coordinator", Map.of());
             Worker intruder = Worker.start(options(name, port, WRONG), "intruder", SUM, badLog::add);
             Worker good = Worker.start(options(name, port, RIGHT), "good", SUM, line -> { })) {
            assertEquals(3, coordinator.members().size(), "all three joined one cluster");
            RunSpec run = RunSpec.signed("run-1", "search: {}", false, RIGHT);
            ClusterEvaluator evaluator = new ClusterEvaluator(coordinator, run, 1, 1, new WorkerActivity(), log::add);
            List<double[]> genomes = List.of(new double[]{0.1, 0.2}, new double[]{0.3, 0.4}, new double[]{0.5, 0.6});
            List<CandidateScore> scores = new ArrayList<>(Collections.nCopies(3, null));
            evaluator.evaluate(genomes, scores::set);
            for (int i = 0; i < 3; i++) {
                assertEquals("good", scores.get(i).worker());
                assertEquals(genomes.get(i)[0] + genomes.get(i)[1], scores.get(i).tasks()[0], 0.0);
            }
            assertEquals(0, intruder.scored(), "the worker without the secret got work");
            assertTrue(log.stream().anyMatch(l -> l.startsWith("refused worker intruder")), "the refusal is logged: " + log);

            // The intruder asks the good worker to score a task it signed with its own (wrong) secret.
            Member goodMember = coordinator.members().stream().filter(m -> !m.localMember())
                    .filter(m -> coordinator.workers().get(m.getUuid().toString()).name().equals("good")).findFirst().orElseThrow();
            int before = good.scored();
            try (ClusterNode outsider = ClusterNode.start(options(name, port, WRONG), "secret-outsider", Map.of())) {
                Future<EvalResult> forged = outsider.hazelcast().getExecutorService(ClusterNode.EXECUTOR)
                        .submitToMember(new ScoreCall(EvalTask.signed("run-1", "forged", 1, new double[]{1, 1}, WRONG)), goodMember);
                ExecutionException e = assertThrows(ExecutionException.class, () -> forged.get(30, TimeUnit.SECONDS));
                assertInstanceOf(SecurityException.class, e.getCause(), e.toString());
            }
            assertEquals(before, good.scored(), "the forged task was scored");

            // A result made with the wrong secret (or altered after signing) does not verify.
            EvalTask task = EvalTask.signed("run-1", "t", 1, new double[]{1, 2}, RIGHT);
            CandidateScore score = new CandidateScore(new double[]{0.9}, 0, 0);
            assertFalse(EvalResult.signed(task, score, WRONG).validUnder(RIGHT));
            EvalResult genuine = EvalResult.signed(task, score, RIGHT);
            assertTrue(genuine.validUnder(RIGHT));
            EvalResult altered = new EvalResult(genuine.taskId(), genuine.attempt(), new CandidateScore(new double[]{1.0}, 0, 0,
                    score.worker(), score.startedAt(), score.endedAt(), ""), genuine.mac());
            assertFalse(altered.validUnder(RIGHT));
        }
    }
}
