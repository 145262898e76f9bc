package dev.amalgam.bench;

import dev.amalgam.cluster.ClusterOptions;
import dev.amalgam.cluster.ClusterSecret;
import dev.amalgam.cluster.Coordinator;
import dev.amalgam.cluster.Scorer;
import dev.amalgam.cluster.Worker;
import dev.amalgam.evolve.run.BatchEvaluator;
import dev.amalgam.evolve.run.CandidateScore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./build bench cluster [--sleep-ms 200] [--population 8] [--generations 10]} (or {@code --demo ...}: the
 * overhead on the demo search with a worker JVM, {@link ClusterDemoOverhead}): a coordinator and workers as
 * Hazelcast members on loopback in this JVM (each a member of its own, talking over TCP), scoring with a synthetic
 * scorer that sleeps a fixed time per candidate times the worker's slowness, so that the two cores are not the limit.
 *
 * <p>Reports (1) the cluster's overhead per candidate: one worker with a scorer that returns at once, against the same
 * scorer called directly; (2) for 1, 2 and 4 workers of slowness 1, 1.5, 2, 3: candidates per second and utilisation
 * (busy time from the results' start/end over workers x wall time) under the generational schedule (a barrier after
 * every population) and the steady one (a new candidate whenever a worker is free), both for population x generations
 * candidates, and the ideal (sum of the workers' speeds) beside them.
 */
final class ClusterBenchmark {
    private static final double[] SLOWNESS = {1.0, 1.5, 2.0, 3.0};
    static final String SECRET_TEXT = "benchmark-secret-0123456789";
    static final ClusterSecret SECRET = ClusterSecret.of(SECRET_TEXT, "benchmark");

    private ClusterBenchmark() {
    }

    static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--demo")) {
            ClusterDemoOverhead.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        long sleepMs = 200;
        int population = 8;
        int generations = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--sleep-ms" -> sleepMs = Long.parseLong(args[i + 1]);
                case "--population" -> population = Integer.parseInt(args[i + 1]);
                case "--generations" -> generations = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        overhead(400);
        table(sleepMs, population, generations);
    }

    /** Generational against steady for 1, 2 and 4 workers of unequal speed. */
    private static void table(long sleepMs, int population, int generations) throws Exception {
        System.out.printf(Locale.ROOT, "%d candidates (population %d x %d generations), %d ms per candidate at slowness 1, workers of slowness %s:%n",
                population * generations, population, generations, sleepMs, java.util.Arrays.toString(SLOWNESS));
        System.out.println("  workers  ideal/s  generational/s  utilisation  steady/s  utilisation");
        for (int workers : new int[]{1, 2, 4}) {
            Measure g = measure(workers, sleepMs, (cluster, scores) -> {
                for (int gen = 0; gen < generations; gen++) {
                    cluster.evaluate(genomes(population, gen * population), (i, s) -> scores.add(s));
                }
            });
            Measure s = measure(workers, sleepMs, (cluster, scores) -> cluster.stream(new BatchEvaluator.Feed() {
                private int handed;

                @Override
                public double[] next() {
                    return handed < population * generations ? new double[]{handed++, 0.5} : null;
                }

                @Override
                public void scored(int ticket, CandidateScore score) {
                    scores.add(score);
                }
            }));
            double ideal = speed(workers) / (sleepMs / 1000.0);
            System.out.printf(Locale.ROOT, "  %7d  %7.2f  %14.2f  %10.0f%%  %8.2f  %10.0f%%%n", workers, ideal,
                    g.candidates / g.wall, 100 * g.busy / (workers * g.wall), s.candidates / s.wall, 100 * s.busy / (workers * s.wall));
        }
    }

    /** Candidates scored, their summed busy time and the wall time of one schedule's run. */
    private record Measure(int candidates, double busy, double wall) {
    }

    @FunctionalInterface
    private interface Schedule {
        void run(BatchEvaluator cluster, List<CandidateScore> scores);
    }

    /** The sum of the first {@code workers} workers' speeds (1 / slowness). */
    private static double speed(int workers) {
        double speed = 0;
        for (int w = 0; w < workers; w++) {
            speed += 1 / SLOWNESS[w];
        }
        return speed;
    }

    private static ClusterOptions options(int port) {
        return new ClusterOptions("bench-" + ProcessHandle.current().pid(), List.of("127.0.0.1:" + port), ClusterOptions.LOOPBACK, port, SECRET);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<double[]> genomes(int n, int offset) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new double[]{offset + i, 0.5});
        }
        return out;
    }

    /** Per-candidate time through the cluster (one worker, a scorer that returns at once) minus the direct call's. */
    private static void overhead(int candidates) throws Exception {
        Scorer instant = (run, genes) -> new CandidateScore(new double[]{genes[0]}, 0, 0);
        int port = freePort();
        try (Coordinator coordinator = Coordinator.start(options(port), 1, false, line -> { });
             Worker worker = Worker.start(options(port), "w0", instant, line -> { })) {
            BatchEvaluator cluster = coordinator.evaluator("overhead", 1);
            cluster.evaluate(genomes(50, 0), (i, s) -> { }); // warm-up
            long t0 = System.nanoTime();
            cluster.evaluate(genomes(candidates, 50), (i, s) -> { });
            double clusterMs = (System.nanoTime() - t0) / 1e6 / candidates;
            long t1 = System.nanoTime();
            for (double[] g : genomes(candidates, 0)) {
                instant.score(null, g);
            }
            double directMs = (System.nanoTime() - t1) / 1e6 / candidates;
            System.out.printf(Locale.ROOT, "overhead per candidate through the cluster (1 worker, %d candidates): %.2f ms (direct call %.4f ms)%n",
                    candidates, clusterMs - directMs, directMs);
        }
    }

    /** Runs {@code schedule} on a fresh coordinator and {@code workers} sleeping workers. */
    private static Measure measure(int workers, long sleepMs, Schedule schedule) throws Exception {
        int port = freePort();
        List<Worker> started = new ArrayList<>();
        try (Coordinator coordinator = Coordinator.start(options(port), workers, false, line -> { })) {
            try {
                for (int w = 0; w < workers; w++) {
                    double slowness = SLOWNESS[w];
                    Scorer sleeper = (run, genes) -> {
                        Thread.sleep(Math.round(sleepMs * slowness));
                        return new CandidateScore(new double[]{genes[0]}, 0, sleepMs * slowness / 1000.0);
                    };
                    started.add(Worker.start(options(port), "w" + w, sleeper, line -> { }));
                }
                BatchEvaluator cluster = coordinator.evaluator("bench-" + workers, 1);
                List<CandidateScore> scores = new ArrayList<>();
                long t0 = System.nanoTime();
                schedule.run(cluster, scores);
                double wall = (System.nanoTime() - t0) / 1e9;
                return new Measure(scores.size(), scores.stream().mapToDouble(s -> s.endedAt() - s.startedAt()).sum(), wall);
            } finally {
                for (Worker w : started) {
                    w.close();
                }
            }
        }
    }
}
