package dev.amalgam;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One row of a bad-input table: what to write and which arguments to pass, and the fragments the one error line must
 * hold. {@link #assertRefused} runs it and checks the house rule: exit code 2, one line, nothing of the user's changed.
 */
public record BadInputCase(String name, Setup setup, String... expected) {
    /** Writes what the case needs under {@code dir}; returns the arguments after the command name. */
    @FunctionalInterface
    public interface Setup {
        List<String> args(Path dir) throws IOException;
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * Runs {@code amalgam COMMAND <setup's arguments> EXTRA} and asserts the refusal; every file under {@code dir} and
     * {@code untouched} (inputs shared between cases) is the same afterwards, and nothing was added (no output).
     */
    public void assertRefused(String command, Path dir, List<String> extra, Path... untouched) throws IOException {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(setup.args(dir));
        args.addAll(extra);
        Map<String, String> before = FolderSnapshot.of(dir);
        List<Map<String, String>> inputsBefore = java.util.Arrays.stream(untouched).map(FolderSnapshot::of).toList();
        CliRun.run(args.toArray(String[]::new)).assertBadInput(expected);
        assertEquals(before, FolderSnapshot.of(dir), "nothing of the user's changed, no output left");
        assertEquals(inputsBefore, java.util.Arrays.stream(untouched).map(FolderSnapshot::of).toList(), "shared inputs unchanged");
    }
}
