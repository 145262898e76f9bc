package dev.amalgam.cluster;

import dev.amalgam.ChildAmalgam;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A coordinator and workers as {@code amalgam} child JVMs on loopback, sharing a test secret; {@link #close()} kills
 * whichever are still running.
 */
final class ClusterProcesses implements AutoCloseable {
    static final String SECRET = "test-secret-0123456789abcdef";

    final String cluster;
    final int port;
    private final Path dir;
    private final List<Process> started = new ArrayList<>();

    ClusterProcesses(Path dir, String cluster) throws IOException {
        this.dir = dir;
        this.cluster = cluster;
        this.port = freePort();
    }

    /** A loopback port free now (Hazelcast moves up when it is taken meanwhile). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts {@code amalgam evolve CONFIG --cluster ...} and waits until its member is up. */
    Process coordinator(Path config, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("evolve", config.toString(), "--no-progress", "--cluster", cluster,
                "--port", Integer.toString(port)));
        args.addAll(List.of(extra));
        Process p = start("coordinator", args);
        await("coordinator", p, "coordinating cluster");
        return p;
    }

    /** Starts {@code amalgam worker} named {@code name}; see {@link #joined}. */
    Process worker(String name, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("worker", "--cluster", cluster, "--members", "127.0.0.1:" + port,
                "--port", Integer.toString(port + 1), "--name", name));
        args.addAll(List.of(extra));
        return start(name, args);
    }

    /** Waits until the worker has joined. */
    void joined(String name, Process worker) throws Exception {
        await(name, worker, "joined cluster");
    }

    Path log(String name) {
        return dir.resolve(name + ".log");
    }

    String logText(String name) throws IOException {
        return Files.exists(log(name)) ? Files.readString(log(name)) : "";
    }

    private Process start(String name, List<String> args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ChildAmalgam.command(args.toArray(String[]::new)))
                .redirectErrorStream(true).redirectOutput(log(name).toFile());
        pb.environment().put(ClusterSecret.ENV, SECRET);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private void await(String name, Process p, String line) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!logText(name).contains(line)) {
            assertTrue(p.isAlive(), name + " exited: " + logText(name));
            assertTrue(System.nanoTime() < deadline, name + " did not start: " + logText(name));
            Thread.sleep(50);
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor();
        }
    }
}
