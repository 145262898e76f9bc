package dev.amalgam;

import dev.amalgam.cli.AmalgamCommand;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One {@code amalgam} command run in-process (or in a child JVM), with its exit code and output. */
public record CliRun(int exit, String out, String err) {
    public static CliRun run(String... args) {
        CommandLine cli = AmalgamCommand.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /**
     * Exit code 2 and one line on stderr, "amalgam: error: ...", holding every fragment; warnings before it are
     * allowed, a stack trace is not. Returns the error line.
     */
    public String assertBadInput(String... mustContain) {
        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, exit, "exit code; stderr: " + err + "\nstdout: " + out);
        List<String> lines = err.strip().lines().filter(l -> !l.startsWith("amalgam: warning: ")).toList();
        assertEquals(1, lines.size(), "one error line: " + err);
        String line = lines.getFirst();
        assertTrue(line.startsWith("amalgam: error: "), line);
        assertFalse(line.contains("Exception"), "no exception class names: " + line);
        assertFalse(line.contains("[Source:"), "no parser internals: " + line);
        for (String s : mustContain) {
            assertTrue(line.contains(s), "'" + s + "' in: " + line);
        }
        return line;
    }

    /** Starts {@code amalgam ARGS} in a child JVM working in {@code cwd}, output to {@code log}. */
    public static Process child(Path cwd, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), AmalgamCommand.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        return pb.start();
    }
}
