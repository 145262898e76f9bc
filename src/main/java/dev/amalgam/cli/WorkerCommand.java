package dev.amalgam.cli;

import dev.amalgam.BadValueException;
import dev.amalgam.cluster.Scorer;
import dev.amalgam.cluster.SearchScorer;
import dev.amalgam.cluster.Worker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code amalgam worker --cluster NAME --members COORDINATOR}: scores a cluster search's candidates until stopped. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Join a search cluster and score the candidates its coordinator (amalgam evolve --cluster) sends.",
                "Runs until stopped; a worker that joins mid-run gets work at once.",
                "On a machine with several GPUs, start one worker process per GPU (--device gpu:0, gpu:1, ... and a --name each):"
                        + " each process then has its own memory and its own CUDA context, and a failure (out of memory, a crashed"
                        + " driver call, DJL's JNI aborting the JVM) takes down one GPU's worker, whose candidate goes to another,"
                        + " not all of them."})
public final class WorkerCommand implements Callable<Integer> {
    @Mixin
    ClusterArgs cluster;

    @Option(names = "--name", paramLabel = "NAME", description = "this worker's name in the journal (default: host and process id)")
    String name;

    @Option(names = "--path-map", paramLabel = "FROM=TO",
            description = "read the search's paths that start with FROM under TO here (repeatable; models and tasks mounted elsewhere)")
    List<String> pathMap = List.of();

    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", converter = DeviceChoice.Converter.class,
            description = "where merging and scoring run: the CPU, the first GPU, or GPU N (one worker process per GPU;"
                    + " default: gpu when DJL sees one, else cpu)")
    DeviceChoice device;

    /** A test and benchmark hook: makes this worker slower than its hardware (hidden from the help). */
    @Option(names = "--slowdown-ms", paramLabel = "MS", hidden = true,
            description = "sleep MS milliseconds before scoring each candidate (to test and measure uneven workers)")
    long slowdownMs;

    @Override
    public Integer call() throws InterruptedException {
        if (cluster.name == null) {
            throw new BadValueException("--cluster", "expected the cluster's name");
        }
        if (cluster.members.isEmpty()) {
            throw new BadValueException("--members", "expected the coordinator's HOST[:PORT]");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String m : pathMap) {
            int eq = m.indexOf('=');
            if (eq <= 0 || eq == m.length() - 1) {
                throw new BadValueException("--path-map", "expected FROM=TO, got '" + m + "'");
            }
            map.put(m.substring(0, eq), m.substring(eq + 1));
        }
        if (slowdownMs < 0) {
            throw new BadValueException("--slowdown-ms", "expected a positive number of milliseconds, got " + slowdownMs);
        }
        String worker = name != null ? name : ManagementFactory.getRuntimeMXBean().getName();
        try (SearchScorer scorer = new SearchScorer(map, DeviceChoice.resolve(device), w -> System.err.println("amalgam: warning: " + w));
             Worker w = Worker.start(cluster.options(), worker, slowed(scorer), line -> System.err.println("amalgam worker: " + line))) {
            Runtime.getRuntime().addShutdownHook(new Thread(w::close));
            System.out.println("worker " + worker + " joined cluster " + cluster.name + " at " + w.address());
            w.awaitClose();
        }
        return 0;
    }

    /** The scorer, after a sleep of {@code --slowdown-ms} per candidate (inside the candidate's journalled time). */
    private Scorer slowed(Scorer scorer) {
        if (slowdownMs == 0) {
            return scorer;
        }
        return (run, genes) -> {
            Thread.sleep(slowdownMs);
            return scorer.score(run, genes);
        };
    }
}
