package dev.amalgam.cluster;

import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.run.BatchEvaluator;
import dev.amalgam.evolve.run.ScoringSite;

import java.util.Map;
import java.util.function.Consumer;

/**
 * The search's process as a cluster member ({@code amalgam evolve --cluster NAME}): it runs the strategy and writes
 * the journal as a local search does, and scores candidates on the cluster's workers and, unless told not to, in a
 * slot of its own: its member is then a worker too (named {@value #SLOT} in the journal), scoring with the search's
 * own evaluator, and the dispatch treats it like any other worker.
 */
public final class Coordinator implements ScoringSite, AutoCloseable {
    /** The journal's worker name for candidates the coordinator scored itself. */
    public static final String SLOT = "coordinator";

    private final ClusterNode node;
    private final int awaitWorkers;
    private final boolean scoreLocally;
    private final Consumer<String> log;
    private final WorkerActivity activity = new WorkerActivity();
    private Worker slot; // the coordinator's own scoring, once a search's evaluator exists

    private Coordinator(ClusterNode node, int awaitWorkers, boolean scoreLocally, Consumer<String> log) {
        this.node = node;
        this.awaitWorkers = awaitWorkers;
        this.scoreLocally = scoreLocally;
        this.log = log;
    }

    /**
     * Starts the coordinator's member (workers join through its address).
     *
     * @param awaitWorkers workers ({@code amalgam worker} members, the coordinator's slot aside) to wait for before
     *                     the search sends its first candidate
     * @param scoreLocally whether this process scores candidates too
     */
    public static Coordinator start(ClusterOptions options, int awaitWorkers, boolean scoreLocally, Consumer<String> log) {
        return new Coordinator(ClusterNode.start(options, "amalgam-coordinator", Map.of()), awaitWorkers, scoreLocally, log);
    }

    public String address() {
        return node.address();
    }

    @Override
    public BatchEvaluator evaluator(SearchConfig config, boolean allowTestSplit, BatchEvaluator local) {
        String name = config.output().runName() == null ? "run" : config.output().runName();
        RunSpec run = RunSpec.signed(ClusterEvaluator.runId(name), SearchConfigYaml.write(SearchConfigYaml.toTree(config)),
                allowTestSplit, node.secret());
        if (scoreLocally) {
            if (slot != null) {
                slot.close();
            }
            slot = Worker.attach(node, SLOT, Scorer.of(local), log);
        }
        return new ClusterEvaluator(node, run, config.tasks().size(), awaitWorkers, activity, log);
    }

    /** An evaluator for a run whose workers need no config (a benchmark's synthetic {@link Scorer}). */
    public BatchEvaluator evaluator(String runName, int tasks) {
        return new ClusterEvaluator(node, RunSpec.signed(ClusterEvaluator.runId(runName), "", false, node.secret()), tasks, awaitWorkers, activity, log);
    }

    /** {@code workers N, utilisation P%} since the last call (the generation line). */
    public String activity() {
        return activity.summary();
    }

    @Override
    public void close() {
        try (ClusterNode n = node) {
            if (slot != null) {
                slot.close();
            }
        }
    }
}
