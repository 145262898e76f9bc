package dev.amalgam.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import dev.amalgam.evolve.run.BatchEvaluator;
import dev.amalgam.evolve.run.CandidateScore;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.List;

/**
 * The coordinator's side: a {@link BatchEvaluator} that sends each candidate to a free worker (one at a time per
 * worker, so fast and slow workers both stay busy within a batch) and reports the scores in batch order, so the
 * journal's rows come in the order of a single-process run whatever the workers' speeds.
 *
 * <p>Faults: a candidate whose worker left (killed, cut off) is sent again, to another worker, without counting as an
 * attempt; a worker's failure is retried once on another worker when there is one, then reported as failed with the
 * reason. A result without a valid authentication code is refused and counts as a failure. Each candidate is
 * reported exactly once: a late answer to a candidate already answered is dropped.
 */
public final class ClusterEvaluator implements BatchEvaluator {
    static final int ATTEMPTS = 2;

    private final ClusterNode node;
    private final RunSpec run;
    private final int tasks;
    private final Consumer<String> log;
    private final WorkerActivity activity;
    private int awaitWorkers; // before the first candidate is sent, wait for this many workers (the coordinator's slot aside)
    private final Map<String, String> names = new HashMap<>(); // member id -> worker name, of valid cards
    private final Set<String> refused = new HashSet<>();      // member ids whose card was refused (logged once)
    private long sequence;

    /**
     * Publishes the run spec.
     *
     * @param tasks        the number of task scores per candidate
     * @param awaitWorkers workers to wait for before the first candidate is sent (at least one is always awaited)
     * @param activity     receives each result's timing (the generation line's utilisation)
     */
    ClusterEvaluator(ClusterNode node, RunSpec run, int tasks, int awaitWorkers, WorkerActivity activity, Consumer<String> log) {
        this.node = node;
        this.activity = activity;
        this.run = run;
        this.tasks = tasks;
        this.awaitWorkers = awaitWorkers;
        this.log = log;
        node.runs().put(run.runId(), run);
    }

    /** A finished send: the worker's result, or why none came. */
    private record Outcome(int index, String memberId, EvalResult result, Throwable error) {
    }

    @Override
    public void evaluate(List<double[]> genomes, Results results) {
        int n = genomes.size();
        String[] taskIds = new String[n];
        for (int i = 0; i < n; i++) {
            taskIds[i] = run.runId() + "-t" + (sequence++);
        }
        Deque<Integer> pending = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            pending.add(i);
        }
        int[] attempts = new int[n];
        String[] failedOn = new String[n]; // member id of a failed attempt, avoided by the retry
        CandidateScore[] done = new CandidateScore[n];
        Map<String, Integer> busy = new HashMap<>(); // member id -> index
        BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        IExecutorService executor = node.hazelcast().getExecutorService(ClusterNode.EXECUTOR);
        int reported = 0;
        boolean waitingSaid = false;
        while (reported < n) {
            Map<String, Member> free = freeWorkers(busy);
            if (free.size() - (free.containsKey(node.memberId()) ? 1 : 0) < awaitWorkers) { // the coordinator's slot aside
                free.clear();
            } else {
                awaitWorkers = 0; // only the first batch waits: later a run goes on with whoever is there
            }
            if (free.isEmpty() && busy.isEmpty() && !waitingSaid) {
                log.accept("waiting for " + Math.max(1, awaitWorkers) + " worker(s) to join cluster at " + node.address());
                waitingSaid = true;
            }
            Deque<Integer> deferred = new ArrayDeque<>(); // retries whose only free worker is the one they failed on
            while (!pending.isEmpty() && !free.isEmpty()) {
                int i = pending.poll();
                String id = pick(free, failedOn[i]);
                if (id.equals(failedOn[i]) && !busy.isEmpty()) {
                    deferred.add(i); // another worker exists and will be free soon
                    continue;
                }
                Member member = free.remove(id);
                busy.put(id, i);
                EvalTask task = EvalTask.signed(run.runId(), taskIds[i], Math.max(1, attempts[i] + 1), genomes.get(i), node.secret());
                executor.submitToMember(new ScoreCall(task), member, new ExecutionCallback<EvalResult>() {
                    @Override
                    public void onResponse(EvalResult result) {
                        outcomes.add(new Outcome(i, id, result, null));
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        outcomes.add(new Outcome(i, id, null, t));
                    }
                });
            }
            deferred.descendingIterator().forEachRemaining(pending::addFirst);
            Outcome o;
            try {
                o = outcomes.poll(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while candidates were being scored", e);
            }
            if (o == null) {
                continue;
            }
            busy.remove(o.memberId());
            int i = o.index();
            if (done[i] != null) {
                continue; // a late duplicate: the candidate was answered already
            }
            Throwable e = unwrap(o.error());
            if (e instanceof MemberLeftException || e instanceof TargetNotMemberException || e instanceof HazelcastInstanceNotActiveException) {
                log.accept("worker " + names.getOrDefault(o.memberId(), o.memberId()) + " left; candidate " + taskIds[i]
                        + " goes to another worker");
                pending.addFirst(i);
                continue;
            }
            String failure;
            CandidateScore score = null;
            if (e != null) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } else if (!o.result().validUnder(node.secret()) || !o.result().taskId().equals(taskIds[i])) {
                failure = "result refused: bad authentication code";
                log.accept("refused a result for " + taskIds[i] + " from member " + o.memberId() + ": bad authentication code");
            } else {
                score = o.result().score();
                failure = score.failure();
            }
            attempts[i]++;
            if (failure.isEmpty()) {
                done[i] = score;
            } else if (attempts[i] < ATTEMPTS) {
                log.accept("candidate " + taskIds[i] + " failed (" + failure + "); retrying on another worker");
                failedOn[i] = o.memberId();
                pending.addFirst(i);
            } else {
                double now = CandidateScore.now();
                done[i] = CandidateScore.failed(tasks, score == null ? names.getOrDefault(o.memberId(), o.memberId()) : score.worker(),
                        score == null ? now : score.startedAt(), score == null ? now : score.endedAt(), failure);
            }
            if (done[i] != null) {
                activity.scored(done[i]);
            }
            while (reported < n && done[reported] != null) {
                results.scored(reported, done[reported]);
                reported++;
            }
        }
    }

    /** A free worker other than {@code avoid} if there is one. */
    private static String pick(Map<String, Member> free, String avoid) {
        return free.keySet().stream().filter(id -> !id.equals(avoid)).findFirst().orElse(free.keySet().iterator().next());
    }

    /** Members with a valid worker card that are not scoring a candidate, in join order. */
    private Map<String, Member> freeWorkers(Map<String, Integer> busy) {
        Map<String, Member> free = new LinkedHashMap<>();
        Map<String, WorkerCard> cards = node.workers();
        for (Member m : node.members()) {
            String id = m.getUuid().toString();
            WorkerCard card = cards.get(id);
            if (card == null || busy.containsKey(id)) {
                continue;
            }
            if (card.memberId().equals(id) && card.validUnder(node.secret())) {
                names.put(id, card.name());
                free.put(id, m);
            } else if (refused.add(id)) {
                log.accept("refused worker " + card.name() + " at " + m.getAddress() + ": bad authentication code (wrong secret?)");
            }
        }
        return free;
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** A new run id: the run folder's name and a random part, so two coordinators never share one. */
    static String runId(String runName) {
        return runName + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
