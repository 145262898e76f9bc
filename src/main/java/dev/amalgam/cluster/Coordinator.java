package dev.amalgam.cluster;

import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.run.BatchEvaluator;
import dev.amalgam.evolve.run.ScoringSite;

import java.util.Map;
import java.util.function.Consumer;

/**
 * The search's process as a cluster member ({@code amalgam evolve --cluster NAME}): it runs the strategy and writes
 * the journal as a local search does, and scores candidates on the cluster's workers.
 */
public final class Coordinator implements ScoringSite, AutoCloseable {
    private final ClusterNode node;
    private final int awaitWorkers;
    private final Consumer<String> log;
    private final WorkerActivity activity = new WorkerActivity();

    private Coordinator(ClusterNode node, int awaitWorkers, Consumer<String> log) {
        this.node = node;
        this.awaitWorkers = awaitWorkers;
        this.log = log;
    }

    /**
     * Starts the coordinator's member (workers join through its address).
     *
     * @param awaitWorkers workers to wait for before the search sends its first candidate
     */
    public static Coordinator start(ClusterOptions options, int awaitWorkers, Consumer<String> log) {
        return new Coordinator(ClusterNode.start(options, "amalgam-coordinator", Map.of()), awaitWorkers, log);
    }

    public String address() {
        return node.address();
    }

    @Override
    public BatchEvaluator evaluator(SearchConfig config, boolean allowTestSplit, BatchEvaluator local) {
        String name = config.output().runName() == null ? "run" : config.output().runName();
        RunSpec run = RunSpec.signed(ClusterEvaluator.runId(name), SearchConfigYaml.write(SearchConfigYaml.toTree(config)),
                allowTestSplit, node.secret());
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
        node.close();
    }
}
