package dev.amalgam.bench;

import ai.djl.Device;
import dev.amalgam.evolve.config.EvaluationSettings;
import dev.amalgam.evolve.config.FitnessMode;
import dev.amalgam.evolve.config.OutputSettings;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.config.SearchSettings;
import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.evolve.run.EvolveJob;
import dev.amalgam.evolve.run.SearchRun;
import dev.amalgam.history.BaselineScore;
import dev.amalgam.history.Journal;
import dev.amalgam.zoo.Zoo;
import dev.amalgam.zoo.ZooProgress;
import dev.amalgam.zoo.ZooSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./build bench search [--seeds N] [--first-seed S] [--strategies ga,nsga2,cmaes,random]
 * [--objectives metric,gold_probability,logprob_margin] [--fitness full,racing,anchors[+OBJECTIVE]] [--config FILE]}: each
 * strategy over N seeds on the demo (default {@code search-configs/demo.yaml}), and the held-out fitness of each run's
 * exported best as mean +- standard error across seeds, next to the untuned baselines (base, each parent, uniform
 * linear, TIES with default densities; their +- is the item-level standard error of one scoring). {@code random} is
 * the random-search baseline: uniform samples of the same genome, as many as the GA run of the same seed evaluated
 * (a GA of that population and generation 0 only). {@code --fitness} runs each strategy with each
 * {@code evaluation.fitness} mode (its parameters from the config when it names that mode, else the defaults); a mode
 * written {@code MODE+OBJECTIVE} (e.g. {@code anchors+gold_probability}) searches on that objective instead of the
 * {@code --objectives} one. Without {@code --objectives} or {@code --fitness}, the config's {@code search_objective}
 * and {@code fitness} apply. The tokens column is the mean forward-pass tokens scored per candidate, and with {@code full}
 * among the modes each mode's per candidate and per run as a percentage of full's (same strategy and seeds). Runs go to
 * a fresh folder under the temporary directory.
 */
final class SearchBenchmark {
    private record Run(String strategy, long seed, double heldout, int evaluations, double seconds, double tokens, long runTokens) {
    }

    private SearchBenchmark() {
    }

    public static void main(String[] args) {
        int seeds = 5;
        long firstSeed = 42;
        List<String> strategies = List.of("ga", "nsga2", "cmaes", "random");
        Path configFile = ZooSpec.home().resolve("search-configs/demo.yaml");
        List<String> objectives = null; // default: the config's search_objective
        List<String> fitnessModes = null; // default: the config's fitness mode
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seeds" -> seeds = Integer.parseInt(args[i + 1]);
                case "--first-seed" -> firstSeed = Long.parseLong(args[i + 1]);
                case "--strategies" -> strategies = List.of(args[i + 1].split(","));
                case "--config" -> configFile = Path.of(args[i + 1]);
                case "--objectives" -> objectives = List.of(args[i + 1].split(","));
                case "--fitness" -> fitnessModes = List.of(args[i + 1].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path configs = ZooSpec.home().resolve("search-configs");
        if (configFile.toAbsolutePath().normalize().startsWith(configs) && configFile.getFileName().toString().startsWith("demo")) {
            // the demo*.yaml configs read the demo zoo
            Zoo.ensureBuilt(ZooSpec.defaults(), ZooProgress.NONE);
        }
        SearchConfig config = SearchConfigYaml.parse(configFile);
        if (objectives == null) {
            objectives = List.of(config.evaluation().searchObjective().key());
        }
        if (fitnessModes == null) {
            fitnessModes = List.of(config.evaluation().fitness().key());
        }
        Path out = Path.of(System.getProperty("java.io.tmpdir"), "amalgam-bench-search-" + Instant.now().toEpochMilli());
        EvolveJob.Options options = new EvolveJob.Options(false, Device.cpu(), w -> System.err.println("warning: " + w));
        List<Run> runs = new ArrayList<>();
        Map<String, Integer> gaEvaluations = new LinkedHashMap<>(); // by seed, objective and fitness mode
        List<BaselineScore> baselines = List.of();
        System.out.printf(Locale.ROOT, "%s: %d seeds from %d, strategies %s, runs under %s%n", configFile, seeds, firstSeed, strategies, out);
        List<String> labels = new ArrayList<>();
        for (String objective : objectives) {
            for (String name : strategies) {
                for (String mode : fitnessModes) {
                    labels.add((objectives.size() == 1 ? name : name + "/" + objective) + (fitnessModes.size() == 1 ? "" : "@" + mode));
                }
            }
        }
        for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
            for (String label : labels) {
                String name = label.split("[/@]")[0];
                String[] modeAndObjective = (label.contains("@") ? label.split("@")[1] : fitnessModes.getFirst()).split("\\+");
                String mode = modeAndObjective[0];
                String objective = modeAndObjective.length > 1 ? modeAndObjective[1]
                        : label.contains("/") ? label.split("[/@]")[1] : objectives.getFirst();
                EvaluationSettings e = config.evaluation();
                EvaluationSettings evaluation = e.with(EvaluationSettings.Objective.of(objective),
                        mode.equals(e.fitness().key()) ? e.fitness() : FitnessMode.of(mode));
                SearchSettings s = config.search();
                SearchSettings settings;
                String budgetKey = seed + " " + evaluation.searchObjective().key() + " " + evaluation.fitness().key();
                if (name.equals("random")) {
                    // the GA's evaluations with the same seed, objective and fitness mode (run before it in labels' order)
                    int budget = gaEvaluations.getOrDefault(budgetKey, s.population() * (s.generations() + 1));
                    settings = new SearchSettings(Strategy.GA, Math.max(4, budget), 0, 0, null, seed, 0);
                } else {
                    settings = new SearchSettings(Strategy.valueOf(name.toUpperCase(Locale.ROOT)),
                            s.population(), s.generations(), s.maxEvaluations(), s.maxTime(), seed, s.steadyGenerations());
                }
                SearchConfig c = new SearchConfig(config.genome(), config.tasks(), settings, evaluation,
                        new OutputSettings(out, label.replace('/', '-').replace('@', '-') + "-seed" + seed), config.file());
                long t0 = System.nanoTime();
                EvolveJob.Result r = EvolveJob.start(c, options, SearchRun.Listener.NONE);
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (name.equals("ga")) {
                    gaEvaluations.put(budgetKey, r.evaluations());
                }
                baselines = r.comparison().subList(1, r.comparison().size());
                List<dev.amalgam.history.Candidate> journal = Journal.read(r.runDir()).candidates();
                double tokens = journal.stream().mapToLong(k -> k.cost().tokens()).average().orElse(0);
                long runTokens = journal.stream().mapToLong(k -> k.cost().tokens()).sum();
                Run run = new Run(label, seed, r.bestHeldout() == null ? Double.NaN : r.bestHeldout(), r.evaluations(), seconds, tokens, runTokens);
                runs.add(run);
                System.out.printf(Locale.ROOT, "  %-22s seed %d: held-out %.4f (%s), %d evaluations, %.0f tokens/candidate, %.0f s%n", label,
                        seed, run.heldout(), r.best().id(), run.evaluations(), tokens, seconds);
            }
        }
        System.out.printf(Locale.ROOT, "%nheld-out fitness of the exported best, mean +- s.e. over seeds (%s):%n", config.evaluation().heldoutSplit());
        System.out.printf(Locale.ROOT, "  %-22s %-18s %s%n", "strategy", "held-out", "evaluations (mean), seconds (mean), tokens/candidate (mean)");
        for (String name : labels) {
            double[] h = runs.stream().filter(r -> r.strategy().equals(name)).mapToDouble(Run::heldout).toArray();
            double evals = runs.stream().filter(r -> r.strategy().equals(name)).mapToInt(Run::evaluations).average().orElse(0);
            double secs = runs.stream().filter(r -> r.strategy().equals(name)).mapToDouble(Run::seconds).average().orElse(0);
            double tokens = runs.stream().filter(r -> r.strategy().equals(name)).mapToDouble(Run::tokens).average().orElse(0);
            System.out.printf(Locale.ROOT, "  %-22s %.4f +- %.4f    %.0f, %.0f, %.0f%s%n", name + " (" + h.length + " seeds)", mean(h), stderr(h), evals,
                    secs, tokens, ofFull(runs, name));
        }
        for (BaselineScore b : baselines) {
            System.out.printf(Locale.ROOT, "  %-22s %.4f +- %.4f    (untuned; +- is the item-level s.e.)%n", b.name(), b.fitness(), b.fitnessStderr());
        }
        // the label suffix of the first objective and fitness mode, which the comparisons below are about
        String suffix = (objectives.size() == 1 ? "" : "/" + objectives.getFirst()) + (fitnessModes.size() == 1 ? "" : "@" + fitnessModes.getFirst());
        if (strategies.contains("ga") && strategies.contains("random")) {
            double[] ga = runs.stream().filter(r -> r.strategy().equals("ga" + suffix)).mapToDouble(Run::heldout).toArray();
            double[] rnd = runs.stream().filter(r -> r.strategy().equals("random" + suffix)).mapToDouble(Run::heldout).toArray();
            double se = Math.sqrt(stderr(ga) * stderr(ga) + stderr(rnd) * stderr(rnd));
            System.out.printf(Locale.ROOT, "  ga - random: %+.4f (%.1f standard errors of the difference)%n", mean(ga) - mean(rnd),
                    se > 0 ? (mean(ga) - mean(rnd)) / se : Double.NaN);
        }
        if (strategies.contains("ga") && !baselines.isEmpty()) {
            // The issue's second goal: the GA's exported recipe beats every untuned merge, parents included.
            String ga = "ga" + suffix;
            double[] h = runs.stream().filter(r -> r.strategy().equals(ga)).mapToDouble(Run::heldout).toArray();
            BaselineScore best = baselines.stream().max(Comparator.comparingDouble(BaselineScore::fitness)).orElseThrow();
            double se = Math.sqrt(stderr(h) * stderr(h) + best.fitnessStderr() * best.fitnessStderr());
            System.out.printf(Locale.ROOT, "  ga - best untuned (%s): %+.4f (%.1f standard errors of the difference)%n", best.name(),
                    mean(h) - best.fitness(), se > 0 ? (mean(h) - best.fitness()) / se : Double.NaN);
        }
        if (!Files.exists(out)) {
            System.out.println("(no run folder was written)");
        }
    }

    /**
     * {@code label}'s tokens per candidate and per run as a percentage of the full mode's (same strategy and objective,
     * the seeds both ran) and its held-out fitness minus full's, or "" without a full run to compare with.
     */
    private static String ofFull(List<Run> runs, String label) {
        String full = label.contains("@") ? label.substring(0, label.indexOf('@')) + "@full" : null;
        List<Run> mine = runs.stream().filter(r -> r.strategy().equals(label)).toList();
        List<Run> base = runs.stream().filter(r -> r.strategy().equals(full) && mine.stream().anyMatch(m -> m.seed() == r.seed())).toList();
        if (full == null || base.isEmpty() || label.equals(full)) {
            return "";
        }
        List<Run> paired = mine.stream().filter(m -> base.stream().anyMatch(b -> b.seed() == m.seed())).toList();
        double perCandidate = paired.stream().mapToDouble(Run::tokens).sum() / base.stream().mapToDouble(Run::tokens).sum();
        double perRun = (double) paired.stream().mapToLong(Run::runTokens).sum() / base.stream().mapToLong(Run::runTokens).sum();
        // the issue's goal for a cheaper mode: the held-out fitness of full evaluation (paired by seed) at a fraction of its tokens
        double[] difference = paired.stream().mapToDouble(m -> m.heldout() - base.stream().filter(b -> b.seed() == m.seed())
                .findFirst().orElseThrow().heldout()).toArray();
        return String.format(Locale.ROOT, " (%.1f%% of full's tokens per candidate, %.1f%% per run; held-out minus full's %+.4f +- %.4f,"
                + " paired by seed)", 100 * perCandidate, 100 * perRun, mean(difference), stderr(difference));
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Standard error of the mean (sample s.d. / sqrt(n)); NaN for fewer than 2 values. */
    private static double stderr(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        return Math.sqrt(ss / (v.length - 1) / v.length);
    }
}
