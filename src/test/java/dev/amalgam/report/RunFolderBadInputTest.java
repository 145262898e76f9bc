package dev.amalgam.report;

import dev.amalgam.BadInputCase;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code amalgam export} and {@code amalgam report} on bad run folders and options, one case per row: exit code 2, one
 * line naming the file, line or option, no stack trace, no recipe or report written, and no file of the user's changed.
 */
class RunFolderBadInputTest {
    @FunctionalInterface
    interface Edit {
        void apply(Path run) throws IOException;
    }

    /** A finished hand-made run at {@code dir/run}, changed by {@code edit}; the arguments are RUN_DIR and {@code options}. */
    static BadInputCase.Setup run(Edit edit, String... options) {
        return dir -> {
            Path run = HandMadeJournal.write(dir.resolve("run"), false);
            edit.apply(run);
            List<String> args = new ArrayList<>(List.of(run.toString()));
            for (String o : options) {
                args.add(o.replace("$DIR", dir.toString()));
            }
            return args;
        };
    }

    static Edit replaceIn(String file, String from, String to) {
        return run -> {
            String text = Files.readString(run.resolve(file));
            if (!text.contains(from)) {
                throw new IllegalStateException(file + " has no '" + from + "'");
            }
            Files.writeString(run.resolve(file), text.replaceFirst(java.util.regex.Pattern.quote(from), to));
        };
    }

    static final Edit NONE = run -> { };

    /** A run folder that is not one, or whose run.yaml is bad: export and report refuse it alike. */
    static Stream<BadInputCase> notARun() {
        return Stream.of(
                new BadInputCase("run folder missing", dir -> List.of(dir.resolve("none").toString()), "none: not a"),
                new BadInputCase("run folder is a file", dir -> {
                    Files.writeString(dir.resolve("run.txt"), "mine");
                    return List.of(dir.resolve("run.txt").toString());
                }, "run.txt: not a"),
                new BadInputCase("run.yaml not YAML", run(run -> Files.writeString(run.resolve("run.yaml"), "search: [ga\nx: 1\n")),
                        "run.yaml", "invalid YAML", "line"));
    }

    /**
     * Export decodes the candidate with the run's genome, so it refuses a run.yaml without one first (the hand-made
     * journal has none: its journal errors are covered by the report cases, read by the same {@code Journal}).
     */
    static Stream<BadInputCase> exportCases() {
        return Stream.concat(notARun(), Stream.of(
                new BadInputCase("run.yaml missing", run(run -> Files.delete(run.resolve("run.yaml"))), "not a run folder", "run.yaml"),
                new BadInputCase("run.yaml without a genome", run(NONE), "run.yaml", "genome: missing")));
    }

    static Stream<BadInputCase> reportCases() {
        return Stream.concat(notARun(), Stream.of(
                new BadInputCase("candidates.csv missing", run(run -> Files.delete(run.resolve("candidates.csv"))), "candidates.csv"),
                new BadInputCase("candidates.csv empty", run(run -> Files.writeString(run.resolve("candidates.csv"), "")),
                        "candidates.csv", "empty file"),
                new BadInputCase("fitness not a number", run(replaceIn("candidates.csv", ",0.4,", ",oops,")),
                        "candidates.csv line 2, column fitness", "'oops' is not a number"),
                new BadInputCase("generations.csv with only its header", run(run -> Files.writeString(run.resolve("generations.csv"),
                        HandMadeJournal.generationsCsv(0))), "generations.csv", "no complete generation"),
                new BadInputCase("--objectives of a run without a Pareto front", run(NONE, "--objectives", "arc_easy,mmlu"),
                        "--objectives", "pareto.csv is missing"),
                new BadInputCase("unknown objective", dir -> List.of(HandMadeJournal.write(dir.resolve("run"), true).toString(),
                        "--objectives", "arc_easy,mmlx"), "mmlx"),
                new BadInputCase("--out is a file", run(NONE, "--out", "$DIR/run/run.yaml"), "run.yaml is a file, not a folder")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exportCases")
    void exportRefusesWithOneLineAndNothingChanged(BadInputCase c, @TempDir Path dir) throws IOException {
        c.assertRefused("export", dir, List.of());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reportCases")
    void reportRefusesWithOneLineAndNothingChanged(BadInputCase c, @TempDir Path dir) throws IOException {
        c.assertRefused("report", dir, List.of());
    }
}
