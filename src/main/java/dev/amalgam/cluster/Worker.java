package dev.amalgam.cluster;

import com.hazelcast.core.LifecycleEvent;
import dev.amalgam.evolve.run.CandidateScore;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * {@code amalgam worker}: a cluster member that scores the candidates the coordinator sends it, one at a time. It
 * refuses (and logs) a task or run spec without a valid authentication code, and signs each result. A scoring error
 * (out of memory included) becomes a failed result with its reason: the coordinator decides whether to retry.
 */
public final class Worker implements AutoCloseable {
    private final String name;
    private final Scorer scorer;
    private final Consumer<String> log;
    private final ClusterNode node;
    private final boolean ownsNode; // false for the coordinator's own slot: the coordinator closes its member
    private final CountDownLatch closed = new CountDownLatch(1);
    private final UUID merged; // the listener that registers again after a merge
    private int scored;
    private RunSpec current; // the last run spec verified (one map look-up per run, not per candidate)

    private Worker(ClusterNode node, boolean ownsNode, String name, Scorer scorer, Consumer<String> log) {
        this.name = name;
        this.scorer = scorer;
        this.log = log;
        this.node = node;
        this.ownsNode = ownsNode;
        // Before the card: the coordinator sends work only to a member with a card, and its task looks the worker up here.
        node.hazelcast().getUserContext().put(ClusterNode.WORKER_KEY, this);
        register();
        // After a split-brain merge (e.g. the coordinator was restarted) this member rejoins under a new member id.
        merged = node.hazelcast().getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                register();
            }
        });
    }

    private void register() {
        node.workers().put(node.memberId(), WorkerCard.signed(node.memberId(), name, node.secret()));
    }

    /** Joins the cluster and registers as a worker named {@code name}. */
    public static Worker start(ClusterOptions options, String name, Scorer scorer, Consumer<String> log) {
        return new Worker(ClusterNode.start(options, "amalgam-worker-" + name, Map.of()), true, name, scorer, log);
    }

    /** Makes an existing member (the coordinator's) a worker too; closing the worker leaves the member running. */
    static Worker attach(ClusterNode node, String name, Scorer scorer, Consumer<String> log) {
        return new Worker(node, false, name, scorer, log);
    }

    public String address() {
        return node.address();
    }

    /** Candidates scored so far. */
    public synchronized int scored() {
        return scored;
    }

    /** Scores one task (serialised: a worker holds one candidate model). */
    synchronized EvalResult handle(EvalTask task) {
        ClusterSecret secret = node.secret();
        if (!task.validUnder(secret)) {
            log.accept("refused task " + task.taskId() + ": bad authentication code");
            throw new SecurityException("task " + task.taskId() + " refused: bad authentication code");
        }
        RunSpec run = current != null && current.runId().equals(task.runId()) ? current : node.runs().get(task.runId());
        if (run == null || !run.validUnder(secret) || !run.runId().equals(task.runId())) {
            log.accept("refused task " + task.taskId() + ": run " + task.runId() + " unknown or not authenticated");
            throw new SecurityException("task " + task.taskId() + " refused: run " + task.runId() + " unknown or not authenticated");
        }
        current = run;
        log.accept("scoring " + task.taskId() + (task.attempt() > 1 ? " (attempt " + task.attempt() + ")" : ""));
        double started = CandidateScore.now();
        CandidateScore score;
        try {
            CandidateScore s = scorer.score(run, task.genes());
            score = new CandidateScore(s.tasks(), s.mergeSeconds(), s.scoreSeconds(), name, started, CandidateScore.now(), "", s.cost());
        } catch (Exception | OutOfMemoryError e) {
            String reason = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            log.accept("candidate " + task.taskId() + " failed: " + reason);
            // No task scores: the coordinator, which knows the tasks, journals NaN for each.
            score = CandidateScore.failed(0, name, started, CandidateScore.now(), reason);
        }
        scored++;
        return EvalResult.signed(task, score, secret);
    }

    /** Blocks until {@link #close()} (the CLI's worker runs until killed or interrupted). */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    @Override
    public void close() {
        try {
            if (ownsNode) {
                node.close();
            } else {
                node.hazelcast().getLifecycleService().removeLifecycleListener(merged);
                node.workers().remove(node.memberId());
                node.hazelcast().getUserContext().remove(ClusterNode.WORKER_KEY, this);
            }
        } finally {
            closed.countDown();
        }
    }
}
