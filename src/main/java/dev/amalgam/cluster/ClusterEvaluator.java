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
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
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
 * worker, so fast and slow workers both stay busy within a batch) and reports a batch's scores in batch order, so the
 * journal's rows come in the order of a single-process run whatever the workers' speeds. The steady schedule
 * {@linkplain #stream streams}: a genome is asked from the search whenever a worker is free, and each score is
 * reported as it arrives.
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

    /** One genome handed out by the feed, until it is reported. */
    private static final class Job {
        final double[] genes;
        final String taskId;
        int attempts;
        String failedOn; // member id of a failed attempt, avoided by the retry
        boolean done;

        Job(double[] genes, String taskId) {
            this.genes = genes;
            this.taskId = taskId;
        }
    }

    /** A batch: its genomes handed out in order, and their scores reported in batch order whatever order they end in. */
    @Override
    public void evaluate(List<double[]> genomes, Results results) {
        CandidateScore[] done = new CandidateScore[genomes.size()];
        Iterator<double[]> next = genomes.iterator();
        int[] reported = {0};
        stream(new Feed() {
            @Override
            public double[] next() {
                return next.hasNext() ? next.next() : null;
            }

            @Override
            public void scored(int ticket, CandidateScore score) {
                done[ticket] = score;
                while (reported[0] < done.length && done[reported[0]] != null) {
                    results.scored(reported[0], done[reported[0]]);
                    reported[0]++;
                }
            }
        });
    }

    /** Sends the feed's genomes to workers as they free up (the steady schedule; a batch is a feed too). */
    @Override
    public void stream(Feed feed) {
        List<Job> jobs = new ArrayList<>(); // by ticket
        Deque<Integer> pending = new ArrayDeque<>(); // tickets to send again (worker left, or a failure to retry)
        Map<String, Integer> busy = new HashMap<>(); // member id -> ticket
        BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
        IExecutorService executor = node.hazelcast().getExecutorService(ClusterNode.EXECUTOR);
        boolean more = true; // the feed may have more genomes
        int open = 0;        // handed out, not yet reported
        boolean waitingSaid = false;
        while (more || open > 0) {
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
            while (!free.isEmpty()) {
                Integer i = pending.poll();
                if (i == null) {
                    double[] genes = more ? feed.next() : null; // asked only now that a worker is free
                    if (genes == null) {
                        more = false;
                        break;
                    }
                    i = jobs.size();
                    jobs.add(new Job(genes, run.runId() + "-t" + (sequence++)));
                    open++;
                }
                Job job = jobs.get(i);
                String id = pick(free, job.failedOn);
                if (id.equals(job.failedOn) && !busy.isEmpty()) {
                    deferred.add(i); // another worker exists and will be free soon
                    continue;
                }
                Member member = free.remove(id);
                busy.put(id, i);
                int index = i;
                EvalTask task = EvalTask.signed(run.runId(), job.taskId, Math.max(1, job.attempts + 1), job.genes, node.secret());
                executor.submitToMember(new ScoreCall(task), member, new ExecutionCallback<EvalResult>() {
                    @Override
                    public void onResponse(EvalResult result) {
                        outcomes.add(new Outcome(index, id, result, null));
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        outcomes.add(new Outcome(index, id, null, t));
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
            Job job = jobs.get(i);
            if (job.done) {
                continue; // a late duplicate: the candidate was answered already
            }
            Throwable e = unwrap(o.error());
            if (e instanceof MemberLeftException || e instanceof TargetNotMemberException || e instanceof HazelcastInstanceNotActiveException) {
                log.accept("worker " + names.getOrDefault(o.memberId(), o.memberId()) + " left; candidate " + job.taskId
                        + " goes to another worker");
                pending.addFirst(i);
                continue;
            }
            String failure;
            CandidateScore score = null;
            if (e != null) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } else if (!o.result().validUnder(node.secret()) || !o.result().taskId().equals(job.taskId)) {
                failure = "result refused: bad authentication code";
                log.accept("refused a result for " + job.taskId + " from member " + o.memberId() + ": bad authentication code");
            } else {
                score = o.result().score();
                failure = score.failure();
            }
            job.attempts++;
            CandidateScore result = null;
            if (failure.isEmpty()) {
                result = score;
            } else if (job.attempts < ATTEMPTS) {
                log.accept("candidate " + job.taskId + " failed (" + failure + "); retrying on another worker");
                job.failedOn = o.memberId();
                pending.addFirst(i);
            } else {
                double now = CandidateScore.now();
                result = CandidateScore.failed(tasks, score == null ? names.getOrDefault(o.memberId(), o.memberId()) : score.worker(),
                        score == null ? now : score.startedAt(), score == null ? now : score.endedAt(), failure);
            }
            if (result != null) {
                job.done = true;
                open--;
                activity.scored(result);
                feed.scored(i, result);
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
            if (busy.containsKey(id)) {
                continue;
            }
            if (names.containsKey(id)) { // verified before: no map look-up (a remote call) at each hand-over
                free.put(id, m);
                continue;
            }
            WorkerCard card = cards.get(id);
            if (card == null) {
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
