package dev.amalgam.cli;

import dev.amalgam.BadInputException;
import dev.amalgam.cluster.Coordinator;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.run.EvolveJob;
import dev.amalgam.evolve.run.ScoringSite;
import dev.amalgam.evolve.run.MemoryPlan;
import dev.amalgam.evolve.run.SearchRun;
import dev.amalgam.history.BaselineScore;
import dev.amalgam.history.GenerationStats;
import dev.amalgam.history.RunFiles;
import dev.amalgam.zoo.Zoo;
import dev.amalgam.zoo.ZooProgress;
import dev.amalgam.zoo.ZooSpec;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** {@code amalgam evolve [CONFIG] | --resume RUN_DIR}: the evolutionary recipe search. */
@Command(name = "evolve", mixinStandardHelpOptions = true,
        description = {"Search merge recipes with an evolutionary strategy (ga, nsga2, cmaes) and journal every candidate under results/.",
                "A killed run continues with --resume and ends as an uninterrupted one would."})
public final class EvolveCommand implements Callable<Integer> {
    static final String DEMO = "search-configs/demo.yaml";

    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", defaultValue = DEMO,
            description = "search config YAML (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "continue this run folder from its last complete generation")
    Path resume;

    @Option(names = "--allow-test-split", description = "allow a benchmark's test split as the search objective (it overfits the benchmark)")
    boolean allowTestSplit;

    @Option(names = "--device", paramLabel = "cpu|gpu|gpu:N", converter = DeviceChoice.Converter.class,
            description = "where merging and scoring run: the CPU, the first GPU, or GPU N (default: gpu when DJL sees one, else cpu)")
    DeviceChoice device;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "folder that task dataset paths are relative to,"
            + " like eval --data-dir (overrides the config's evaluation.data_dir; new runs only: a resumed run keeps its own)")
    Path dataDir;
    // picocli formats descriptions: %% is a percent sign.
    @Option(names = "--memory-budget", paramLabel = "SIZE", converter = ByteSizeConverter.class,
            description = "memory the search may use on the CPU, e.g. 16G (default: 80%% of physical memory); "
                    + "the plan is printed at start and a search that cannot fit stops before any work")
    Long memoryBudget;

    @Option(names = "--no-progress", description = "do not draw a progress bar within a generation")
    boolean noProgress;

    @Mixin
    ClusterArgs cluster; // with --cluster NAME, candidates are scored on that cluster's workers (amalgam worker)

    @Option(names = "--await-workers", paramLabel = "N", defaultValue = "1",
            description = "with --cluster: wait for N workers (amalgam worker processes) before the first candidate is sent (default: ${DEFAULT-VALUE})")
    int awaitWorkers;

    @Option(names = "--no-local", description = "with --cluster: leave all scoring to the workers (by default this process scores"
            + " candidates too, as worker '" + Coordinator.SLOT + "'; it holds the models either way, for the parents and held-out scores)")
    boolean noLocal;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (resume != null && spec.commandLine().getParseResult().hasMatchedPositional(0)) {
            throw new BadInputException("--resume " + resume + " takes no CONFIG (got " + config
                    + "): a run continues with the config in its own run.yaml");
        }
        if (cluster.name == null) {
            if (noLocal) {
                throw new BadInputException("--no-local: only with --cluster NAME (without a cluster this process scores every candidate)");
            }
            return search(ScoringSite.LOCAL, () -> "");
        }
        try (Coordinator coordinator = Coordinator.start(cluster.options(), awaitWorkers, !noLocal, line -> System.err.println("amalgam cluster: " + line))) {
            System.out.println("coordinating cluster " + cluster.name + " at " + coordinator.address());
            return search(coordinator, () -> "  " + coordinator.activity());
        }
    }

    /** @param activity appended to each generation line (the cluster's workers and their utilisation) */
    private int search(ScoringSite scoring, Supplier<String> activity) {
        EvolveJob.Options options = new EvolveJob.Options(allowTestSplit, DeviceChoice.resolve(device),
                w -> System.err.println("amalgam: warning: " + w), scoring, memoryBudget != null ? memoryBudget : MemoryPlan.defaultBudget());
        Display display = new Display(!noProgress, activity);
        EvolveJob.Result r;
        try (display) {
            if (resume != null) {
                if (dataDir != null) {
                    throw new BadInputException("--data-dir: a resumed run reads its data where it started (its run.yaml)");
                }
                System.out.println("resuming " + resume);
                r = EvolveJob.resume(resume, options, display);
            } else {
                if (config.equals(Path.of(DEMO))) {
                    config = ZooSpec.home().resolve(DEMO); // the launcher's folder, wherever amalgam is run from

                    // The demo's models and data are the zoo's: build (or verify) it first.
                    Zoo.ensureBuilt(ZooSpec.defaults(), new ZooProgress() {
                        @Override
                        public void rebuilding(String reason, long totalUnits) {
                            System.out.println("building the demo zoo first (" + reason + ")...");
                        }

                        @Override
                        public void advance(String stage, long units) {
                        }
                    });
                }
                SearchConfig parsed = SearchConfigYaml.parse(config);
                if (dataDir != null) {
                    if (!Files.isDirectory(dataDir)) {
                        throw new BadInputException("--data-dir: folder '" + dataDir + "' not found");
                    }
                    parsed = parsed.withDataDir(dataDir);
                }
                // A run without output.run_name is named by the clock: name it once, so that the folder printed here is
                // the one written (a second reading of the clock may fall in the next second).
                Path runDir = EvolveJob.runDir(parsed);
                parsed = parsed.withRunName(runDir.getFileName().toString());
                System.out.println("searching " + config + " (" + parsed.search().strategy().key() + ", seed " + parsed.search().seed()
                        + ") -> " + runDir);
                r = EvolveJob.start(parsed, options, display);
            }
        }
        System.out.printf(Locale.ROOT, "stopped after generation %d (%s), %d candidates evaluated%n", r.lastGeneration(), r.stopReason(), r.evaluations());
        System.out.printf(Locale.ROOT, "best: %s  search fitness %.4f%s%n", r.best().id(), r.best().fitness(),
                r.bestHeldout() == null ? "" : String.format(Locale.ROOT, "  held-out fitness %.4f", r.bestHeldout()));
        System.out.println("journal:  " + r.runDir());
        System.out.println("recipe:   " + r.bestRecipe() + "   (amalgam merge " + r.bestRecipe() + " OUT_DIR)");
        if (!r.heldout().isEmpty()) {
            System.out.println("held-out: " + r.runDir().resolve(RunFiles.HELDOUT));
        }
        if (!r.comparison().isEmpty()) {
            System.out.println("held-out comparison (fitness +- standard error; " + r.runDir().resolve(RunFiles.BASELINES) + "):");
            for (BaselineScore s : r.comparison()) {
                System.out.printf(Locale.ROOT, "  %-28s %.4f +- %.4f%n", s.name(), s.fitness(), s.fitnessStderr());
            }
        }
        return 0;
    }

    /** One line per generation, a progress bar within one. */
    private static final class Display implements SearchRun.Listener, AutoCloseable {
        private final boolean bar;
        private final Supplier<String> activity;
        private ProgressBar progress;
        private int generations;
        private long start = System.nanoTime();
        private int evaluationsAtStart;
        private int sessionGenerations; // generations scored (not replayed) in this process

        Display(boolean bar, Supplier<String> activity) {
            this.bar = bar;
            this.activity = activity;
        }

        @Override
        public void generationStarted(int generation, int population, int lastGeneration) {
            generations = lastGeneration;
            if (bar) {
                progress = new ProgressBarBuilder().setTaskName("gen " + generation).setInitialMax(population)
                        .setStyle(ProgressBarStyle.ASCII).setUnit(" cand", 1).continuousUpdate().build();
            }
        }

        @Override
        public void candidateScored() {
            if (progress != null) {
                progress.step();
            }
        }

        @Override
        public void generationDone(GenerationStats s, boolean replayed) {
            close();
            if (replayed) {
                System.out.printf(Locale.ROOT, "gen %3d  replayed from the journal  best %.4f%n", s.generation(), s.best());
                start = System.nanoTime();
                evaluationsAtStart = s.evaluations();
                return;
            }
            sessionGenerations++;
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = (s.evaluations() - evaluationsAtStart) / Math.max(seconds, 1e-9);
            // At most this many generations remain (a steady-fitness or budget stop may come earlier).
            String eta = String.format(Locale.ROOT, "  ETA %s", duration(seconds / sessionGenerations * (generations - s.generation())));
            System.out.printf(Locale.ROOT, "gen %3d  best %.4f  mean %.4f  diversity %.3f  evals %d (%.2f/s)%s%s%n", s.generation(),
                    s.best(), s.mean(), s.diversity(), s.evaluations(), rate, eta, activity.get());
        }

        private static String duration(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60) : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }

        @Override
        public void close() {
            if (progress != null) {
                progress.close();
                progress = null;
            }
        }
    }
}
