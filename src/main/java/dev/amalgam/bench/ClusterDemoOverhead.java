package dev.amalgam.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.cluster.ClusterOptions;
import dev.amalgam.cluster.ClusterSecret;
import dev.amalgam.cluster.Coordinator;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.run.EvolveJob;
import dev.amalgam.evolve.run.MemoryPlan;
import dev.amalgam.evolve.run.ScoringSite;
import dev.amalgam.evolve.run.SearchRun;
import dev.amalgam.history.GenerationStats;
import dev.amalgam.zoo.Zoo;
import dev.amalgam.zoo.ZooProgress;
import dev.amalgam.zoo.ZooSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./build bench cluster --demo [--rounds 3] [--generations 2]}: seconds per candidate of the demo search
 * (search-configs/demo.yaml, fewer generations, no held-out re-scoring) scored in this JVM vs through the cluster:
 * a coordinator in this JVM with {@code --no-local} and one {@code amalgam worker} JVM. The two alternate (ABBA
 * order over rounds, so a drift in the machine's load falls on both) and share the cores, one at a time.
 *
 * <p>Per run: the wall time from the end of generation 0 to the end of the last generation over the candidates
 * scored in between. Generation 0 is left out because a worker opens the models on its first candidate of a run
 * (the local search opened them before), so it measures the per-candidate path: strategy, dispatch, scoring, journal.
 */
final class ClusterDemoOverhead {
    private ClusterDemoOverhead() {
    }

    /** One search: seconds per candidate after generation 0, over how many candidates, and the load average then. */
    private record Run(String site, double secondsPerCandidate, int candidates, double load) {
    }

    static void main(String[] args) throws Exception {
        int rounds = 3;
        int generations = 2;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--generations" -> generations = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Zoo.ensureBuilt(ZooSpec.defaults(), ZooProgress.NONE);
        SearchConfig demo = SearchConfigYaml.parse(ZooSpec.home().resolve("search-configs/demo.yaml"));
        Path out = Files.createTempDirectory("amalgam-bench-cluster-demo-");
        int port = ClusterBenchmark.freePort();
        ClusterOptions options = new ClusterOptions("bench-demo-" + ProcessHandle.current().pid(), List.of("127.0.0.1:" + port),
                ClusterOptions.LOOPBACK, port, ClusterBenchmark.SECRET);
        System.out.printf(Locale.ROOT, "demo search, %d generations, %d rounds (local and cluster alternate), runs under %s%n",
                generations, rounds, out);
        List<Run> runs = new ArrayList<>();
        Process worker = null;
        try (Coordinator coordinator = Coordinator.start(options, 1, false, line -> { })) {
            worker = startWorker(options, out.resolve("worker.log"));
            for (int r = 0; r < rounds; r++) {
                boolean localFirst = r % 2 == 0;
                for (int k = 0; k < 2; k++) {
                    boolean local = localFirst == (k == 0);
                    SearchConfig config = variant(demo, out, (local ? "local-" : "cluster-") + r, generations);
                    Run run = search(config, local ? ScoringSite.LOCAL : coordinator, local ? "local" : "cluster");
                    runs.add(run);
                    System.out.printf(Locale.ROOT, "  round %d %-7s %.3f s per candidate (%d candidates after generation 0), load average %.1f%n",
                            r + 1, run.site(), run.secondsPerCandidate(), run.candidates(), run.load());
                }
            }
        } finally {
            if (worker != null) {
                worker.destroy();
                worker.waitFor(30, TimeUnit.SECONDS);
            }
        }
        double[] local = runs.stream().filter(r -> r.site().equals("local")).mapToDouble(Run::secondsPerCandidate).toArray();
        double[] cluster = runs.stream().filter(r -> r.site().equals("cluster")).mapToDouble(Run::secondsPerCandidate).toArray();
        double[] ratio = new double[Math.min(local.length, cluster.length)];
        for (int i = 0; i < ratio.length; i++) {
            ratio[i] = cluster[i] / local[i] - 1; // same round: the two runs of a round saw about the same load
        }
        System.out.printf(Locale.ROOT, "local:   median %.3f s per candidate (min %.3f, max %.3f)%n", median(local), min(local), max(local));
        System.out.printf(Locale.ROOT, "cluster: median %.3f s per candidate (min %.3f, max %.3f), 1 worker JVM, coordinator --no-local%n",
                median(cluster), min(cluster), max(cluster));
        System.out.printf(Locale.ROOT, "overhead through the cluster: median of per-round ratios %+.1f%% (rounds: %s); ratio of medians %+.1f%%%n",
                100 * median(ratio), Arrays.stream(ratio).mapToObj(x -> String.format(Locale.ROOT, "%+.1f%%", 100 * x)).toList(),
                100 * (median(cluster) / median(local) - 1));
    }

    /** The demo with {@code generations} generations, no held-out re-scoring, its run under {@code out/name}. */
    private static SearchConfig variant(SearchConfig demo, Path out, String name, int generations) throws IOException {
        ObjectNode tree = SearchConfigYaml.toTree(demo);
        ((ObjectNode) tree.get("search")).put("generations", generations);
        ((ObjectNode) tree.get("evaluation")).put("rescore_top_k", 0);
        tree.putObject("output").put("dir", out.toString()).put("run_name", name);
        Path file = out.resolve(name + ".yaml");
        Files.writeString(file, SearchConfigYaml.write(tree));
        return SearchConfigYaml.parse(file);
    }

    private static Run search(SearchConfig config, ScoringSite site, String name) {
        long[] gen0End = {0};
        int[] gen0Evaluations = {0};
        long[] lastEnd = {0};
        int[] evaluations = {0};
        SearchRun.Listener listener = new SearchRun.Listener() {
            @Override
            public void generationDone(GenerationStats s, boolean replayed) {
                lastEnd[0] = System.nanoTime();
                evaluations[0] = s.evaluations();
                if (s.generation() == 0) {
                    gen0End[0] = lastEnd[0];
                    gen0Evaluations[0] = s.evaluations();
                }
            }
        };
        EvolveJob.start(config, new EvolveJob.Options(false, Device.cpu(), w -> { }, site, MemoryPlan.defaultBudget()), listener);
        int candidates = evaluations[0] - gen0Evaluations[0];
        return new Run(name, (lastEnd[0] - gen0End[0]) / 1e9 / Math.max(1, candidates), candidates, loadAverage());
    }

    /** {@code amalgam worker} in a JVM of its own, started as {@code ./amalgam} would (the same flags and classpath). */
    private static Process startWorker(ClusterOptions options, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + ZooSpec.home().resolve("scripts/jvm-flags"), "-Damalgam.home=" + ZooSpec.home(),
                "-cp", System.getProperty("java.class.path"), "dev.amalgam.cli.AmalgamCommand", "worker",
                "--cluster", options.name(), "--members", options.members().getFirst(), "--port", Integer.toString(options.port() + 1),
                "--name", "w1", "--device", "cpu"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put(ClusterSecret.ENV, ClusterBenchmark.SECRET_TEXT);
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10); // a loaded machine starts a JVM slowly
        while (!Files.exists(log) || !Files.readString(log).contains("joined cluster")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("the worker did not join; its log: " + log);
            }
            Thread.sleep(100);
        }
        return p;
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN; // not Linux
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }
}
