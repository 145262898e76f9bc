package dev.amalgam.cli;

import dev.amalgam.zoo.Zoo;
import dev.amalgam.zoo.ZooLayout;
import dev.amalgam.zoo.ZooProgress;
import dev.amalgam.zoo.ZooSpec;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code amalgam zoo}: the embedded demo (a tiny real base model, fine-tuned specialists and their tasks). */
@Command(name = "zoo", mixinStandardHelpOptions = true, subcommands = {ZooCommand.Build.class},
        description = "The demo model zoo: stories260K plus one fine-tuned specialist per synthetic skill.")
public final class ZooCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code amalgam zoo build}: builds the zoo, or verifies and reuses an existing build of the same recipe. */
    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Builds the zoo (base copy, specialists, task data) unless a verified build of the same recipe is there;"
                    + " prints each model's validation accuracy on each skill.")
    static final class Build implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--out", paramLabel = "DIR", description = "Zoo folder (default: results/zoo under the app home).")
        Path out;

        @Option(names = "--base", paramLabel = "DIR", description = "Base model folder (default: the stories260K fixture).")
        Path base;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "" + ZooSpec.DEFAULT_SEED,
                description = "Seed for data generation and fine-tuning (default: ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() {
            ZooSpec zoo = ZooSpec.defaults().withSeed(seed);
            if (out != null) {
                zoo = zoo.withDir(out);
            }
            if (base != null) {
                zoo = zoo.withBase(base);
            }
            PrintWriter stdout = spec.commandLine().getOut();
            long start = System.nanoTime();
            ZooLayout layout;
            try (BarProgress progress = new BarProgress()) {
                layout = Zoo.ensureBuilt(zoo, progress);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            stdout.println(layout.rebuilt() ? String.format("zoo: built %s in %.1f s", layout.dir(), seconds)
                    : "zoo: " + layout.dir() + " is up to date (verified against its manifest)");
            stdout.println("  base         " + layout.base());
            layout.specialists().forEach((skill, dir) -> stdout.println("  specialist   " + dir));
            stdout.println("  data         " + layout.dataDir() + "   (use as --data-dir)");
            layout.taskFiles().forEach(f -> stdout.println("  task         " + f));
            stdout.println();
            printTable(stdout, layout.validationAccuracy());
            stdout.flush();
            return 0;
        }

        private static void printTable(PrintWriter out, Map<String, Map<String, Double>> accuracy) {
            List<String> tasks = List.copyOf(accuracy.values().iterator().next().keySet());
            int width = Math.max(12, tasks.stream().mapToInt(String::length).max().orElse(0) + 2);
            out.println("validation acc (%)");
            StringBuilder header = new StringBuilder(String.format("%-22s", "model"));
            tasks.forEach(t -> header.append(String.format("%" + width + "s", t)));
            out.println(header);
            accuracy.forEach((model, row) -> {
                StringBuilder line = new StringBuilder(String.format("%-22s",
                        model.equals(ZooLayout.BASE) ? model : "specialist " + model.replaceFirst("^demo_", "")));
                tasks.forEach(t -> line.append(String.format("%" + width + ".1f", 100 * row.get(t))));
                out.println(line);
            });
        }
    }

    /** A console progress bar (on stderr), shown only when a build actually runs. */
    private static final class BarProgress implements ZooProgress, AutoCloseable {
        private ProgressBar bar;

        @Override
        public void rebuilding(String reason, long totalUnits) {
            System.err.println("zoo: building (" + reason + ")");
            bar = new ProgressBarBuilder().setTaskName("zoo").setInitialMax(totalUnits).setUpdateIntervalMillis(250)
                    .continuousUpdate().build();
        }

        @Override
        public void advance(String stage, long units) {
            bar.setExtraMessage(stage);
            bar.stepBy(units);
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
