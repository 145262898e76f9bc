package dev.amalgam.evolve.run;

import dev.amalgam.BadInputCase;
import org.junit.jupiter.api.BeforeAll;
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
 * {@code amalgam evolve} on bad search configs and run folders, one case per row: exit code 2, one line naming the file
 * and key, no stack trace, no run folder created, and no file of the user's changed.
 */
class EvolveBadInputTest {
    @TempDir
    static Path shared;
    static Path zoo; // TinyZoo's models and tasks, shared read-only by every case
    static String config; // TinyZoo's search config with absolute model and task paths; output under $DIR

    @BeforeAll
    static void writeZoo() throws IOException {
        zoo = shared.resolve("zoo");
        Path written = TinyZoo.write(zoo, "ga", 4, 1, 4, "run");
        config = Files.readString(written)
                .replace("models: [ft-a, ft-b]", "models: [" + zoo.resolve("ft-a") + ", " + zoo.resolve("ft-b") + "]")
                .replace("base_model: base", "base_model: " + zoo.resolve("base"))
                .replace("tasks_dir: tasks", "tasks_dir: " + zoo.resolve("tasks"))
                .replace(zoo.resolve("results").toAbsolutePath().toString(), "$DIR/results");
    }

    /** search.yaml in the case's folder: the shared config changed by {@code from} -> {@code to}. */
    static BadInputCase.Setup search(String from, String to, String... options) {
        return dir -> {
            if (!config.contains(from)) {
                throw new IllegalStateException("the config has no '" + from + "'");
            }
            Path file = dir.resolve("search.yaml");
            Files.writeString(file, config.replace(from, to).replace("$DIR", dir.toString()));
            List<String> args = new ArrayList<>(List.of(file.toString(), "--no-progress", "--device", "cpu"));
            args.addAll(List.of(options));
            return args;
        };
    }

    static Stream<BadInputCase> cases() {
        return Stream.of(
                new BadInputCase("config not found", dir -> List.of(dir.resolve("none.yaml").toString()), "none.yaml", "not found"),
                new BadInputCase("config YAML syntax error", search("search:\n", "search: [\n"), "search.yaml", "invalid YAML", "line"),
                new BadInputCase("unknown search key", search("population: 4", "populaton: 4"), "search.yaml", "populaton", "did you mean 'population'"),
                new BadInputCase("unknown strategy", search("strategy: ga", "strategy: gaa"), "search.yaml", "search.strategy", "gaa"),
                new BadInputCase("unknown schedule", search("seed: 7", "seed: 7\n  schedule: foo"), "search.yaml", "search.schedule", "foo", "steady"),
                new BadInputCase("negative population", search("population: 4", "population: -4"), "search.yaml", "search.population"),
                new BadInputCase("generations not a number", search("generations: 1", "generations: many"), "search.yaml", "search.generations", "many"),
                new BadInputCase("model folder missing", search("ft-b]", "ft-c]"), "search.yaml", "genome.models", "ft-c"),
                new BadInputCase("unknown merge method", search("merge_method: dare_ties", "merge_method: dare_tie"), "search.yaml", "dare_tie"),
                new BadInputCase("unknown task", search("  - beta\n", "  - gamma\n"), "gamma"),
                new BadInputCase("task weight not a number", search("weight: 1.0", "weight: heavy"), "search.yaml", "weight", "heavy"),
                new BadInputCase("tasks folder missing", search("tasks_dir: " + zoo.resolve("tasks"), "tasks_dir: /nowhere/tasks"), "/nowhere/tasks"),
                new BadInputCase("test split as the search objective", search("search_split: validation\n  heldout_split: test",
                        "search_split: test\n  heldout_split: validation"),
                        "search.yaml", "test", "--allow-test-split"),
                new BadInputCase("run folder exists and is not empty", dir -> {
                    Files.createDirectories(dir.resolve("results/run"));
                    Files.writeString(dir.resolve("results/run/notes.txt"), "mine");
                    return search("seed: 7", "seed: 7").args(dir);
                }, "results/run", "already exists", "--resume"),
                new BadInputCase("--resume of a folder that is not a run", dir -> {
                    Files.createDirectories(dir.resolve("mine"));
                    Files.writeString(dir.resolve("mine/notes.txt"), "mine");
                    return List.of("--resume", dir.resolve("mine").toString(), "--no-progress", "--device", "cpu");
                }, "mine", "run.yaml"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithOneLineAndNothingChanged(BadInputCase c, @TempDir Path dir) throws IOException {
        c.assertRefused("evolve", dir, List.of(), zoo);
    }
}
