package dev.amalgam;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of an {@code amalgam} run in a JVM of its own (a test that kills it, or needs a fresh process):
 * the shared JVM flags of {@code scripts/jvm-flags}, this test JVM's class path and PyTorch thread count.
 */
public final class ChildAmalgam {
    private ChildAmalgam() {
    }

    public static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + Path.of("scripts/jvm-flags").toAbsolutePath(), "-cp", System.getProperty("java.class.path")));
        if (System.getProperty("ai.djl.pytorch.num_threads") != null) {
            command.add("-Dai.djl.pytorch.num_threads=" + System.getProperty("ai.djl.pytorch.num_threads"));
        }
        command.add("dev.amalgam.cli.AmalgamCommand");
        command.addAll(List.of(args));
        return command;
    }
}
