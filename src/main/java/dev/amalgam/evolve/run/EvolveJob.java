package dev.amalgam.evolve.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.cuda.CudaUtils;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.AmalgamVersion;
import dev.amalgam.BadInputException;
import dev.amalgam.evolve.config.EvaluationSettings;
import dev.amalgam.evolve.config.FitnessMode;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.evolve.config.TaskObjective;
import dev.amalgam.evolve.genome.Baselines;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.history.BaselineScore;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.HeldoutScore;
import dev.amalgam.history.Ranking;
import dev.amalgam.history.RunFiles;
import dev.amalgam.history.SearchJournal;
import dev.amalgam.llm.TextTokenizer;
import dev.amalgam.recipe.RecipeYaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code amalgam evolve}: a search from a config into a new run folder, or the resume of a run folder; then the
 * held-out re-score of the top-k, {@code best.yaml}, (NSGA-II) {@code pareto.csv}, and {@code baselines.csv}: the exported
 * best against the base, each genome model, their uniform linear average and default TIES on the held-out split.
 */
public final class EvolveJob {
    /**
     * @param allowTestSplit lets a benchmark's test split be the search objective
     * @param warnings       receives planner warnings (once each)
     * @param scoring        where candidates are scored (null: in this process)
     * @param memoryBudget   bytes the search must fit on the host ({@link MemoryPlan}); checked before any work
     */
    public record Options(boolean allowTestSplit, Device device, Consumer<String> warnings, ScoringSite scoring, long memoryBudget) {
        public Options {
            scoring = scoring == null ? ScoringSite.LOCAL : scoring;
            if (memoryBudget <= 0) {
                throw new IllegalArgumentException("memory budget must be positive, got " + memoryBudget);
            }
        }

        /** Scoring in this process, with the default budget, {@link MemoryPlan#defaultBudget()}. */
        public Options(boolean allowTestSplit, Device device, Consumer<String> warnings) {
            this(allowTestSplit, device, warnings, ScoringSite.LOCAL, MemoryPlan.defaultBudget());
        }
    }

    /** Where the run went and what it found. */
    public record Result(Path runDir, Candidate best, Double bestHeldout, Path bestRecipe, String stopReason, int lastGeneration,
                         int evaluations, List<HeldoutScore> heldout, List<BaselineScore> comparison) {
    }

    private EvolveJob() {
    }

    /** The run folder a new search of {@code config} writes to. */
    public static Path runDir(SearchConfig config) {
        String name = config.output().runName();
        if (name == null) {
            String stem = config.file().getFileName().toString().replaceFirst("\\.ya?ml$", "");
            name = stem + "-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        }
        return config.output().dir().resolve(name);
    }

    /** Starts a new search. */
    public static Result start(SearchConfig config, Options options, SearchRun.Listener listener) {
        Genome genome = GenomeLoader.load(config);
        Path dir = runDir(config);
        return execute(config, genome, parents -> SearchJournal.create(dir, runYaml(config, genome, parents), geneNames(genome), taskNames(config)),
                true, options, listener);
    }

    /** Continues the run in {@code dir} from its last complete generation. */
    public static Result resume(Path dir, Options options, SearchRun.Listener listener) {
        Path runFile = dir.resolve(RunFiles.RUN);
        if (!Files.isRegularFile(runFile)) {
            throw new BadInputException(dir + ": not a run folder (no " + RunFiles.RUN + ")");
        }
        SearchConfig config = SearchConfigYaml.parseRun(runFile);
        Genome genome = GenomeLoader.load(config);
        return execute(config, genome, parents -> {
            SearchJournal journal = SearchJournal.open(dir, geneNames(genome), taskNames(config));
            try {
                ResumeCheck.verify(dir, journal.candidates(), config, genome);
            } catch (RuntimeException e) {
                journal.close();
                throw e;
            }
            return journal;
        }, false, options, listener);
    }

    static List<String> geneNames(Genome genome) {
        return genome.genes().stream().map(Genome.Gene::name).toList();
    }

    static List<String> taskNames(SearchConfig config) {
        return config.tasks().stream().map(TaskObjective::name).toList();
    }

    /** A genome model scored as is before the search ({@code parents:} of run.yaml, read by {@code amalgam report}). */
    record Parent(String model, double fitness, Double heldoutFitness) {
    }

    /** The resolved config plus the run's metadata (see the journal format). */
    static String runYaml(SearchConfig config, Genome genome, List<Parent> parents) {
        ObjectNode root = SearchConfigYaml.toTree(config);
        root.put("amalgam_version", AmalgamVersion.version());
        root.put("java_version", Runtime.version().toString());
        root.put("djl_version", Engine.getDjlVersion());
        root.put("seed", config.search().seed());
        root.put("strategy", config.search().strategy().key());
        root.put("started_at", Instant.now().toString());
        ArrayNode genes = root.putArray("genes");
        for (Genome.Gene g : genome.genes()) {
            genes.addObject().put("name", g.name()).put("min", g.min()).put("max", g.max());
        }
        root.put("population", config.search().populationFor(genome.size()));
        root.put("generations", config.search().generations());
        ArrayNode parentNodes = root.putArray("parents");
        for (Parent p : parents) {
            ObjectNode node = parentNodes.addObject().put("model", p.model()).put("fitness", p.fitness());
            if (p.heldoutFitness() != null) {
                node.put("heldout_fitness", p.heldoutFitness());
            }
        }
        return SearchConfigYaml.write(root);
    }

    /** Loads and prepares everything (where bad input surfaces) before the journal is created or opened. */
    private static Result execute(SearchConfig config, Genome genome, Function<List<Parent>, SearchJournal> journalSource, boolean fresh,
                                  Options options, SearchRun.Listener listener) {
        DataType resident = CandidateModel.residentType(config, options.device());
        // On a GPU the scoring model and the merge's tensors live in device memory: the plan checks both memories.
        long deviceMemory = options.device().isGpu() ? CudaUtils.getGpuMemory(options.device()).getMax() : 0;
        System.out.println("memory plan: " + MemoryPlan.of(genome, resident, options.memoryBudget(), deviceMemory).check().describe());
        if (!(config.evaluation().fitness() instanceof FitnessMode.Full) && options.scoring() != ScoringSite.LOCAL) {
            throw new BadInputException(config.file() + ": evaluation.fitness: " + config.evaluation().fitness().key()
                    + " scores the candidates of a generation together in this process; use fitness: full with a cluster");
        }
        TaskSuite.checkSearchSplit(config, options.allowTestSplit());
        String leftOut = GenomeLoader.leftOutNote(genome);
        if (leftOut != null) {
            options.warnings().accept(leftOut);
        }
        try (CandidateModel candidates = new CandidateModel(genome, options.device(), resident, options.warnings());
             TextTokenizer tokenizer = TextTokenizer.load(candidates.tokenizerFolder())) {
            EvaluationSettings e = config.evaluation();
            TaskSuite search = TaskSuite.prepare(config, e.searchSplit(), tokenizer, true, options.allowTestSplit());
            TaskSuite heldout = e.rescoreTopK() > 0 ? TaskSuite.prepare(config, e.heldoutSplit(), tokenizer, false, true) : null;
            List<Parent> parents = new ArrayList<>();
            if (fresh) {
                for (Baselines.Baseline p : Baselines.parents(genome)) {
                    candidates.materialise(p.recipe());
                    double fitness = config.fitness(search.score(candidates.model()));
                    parents.add(new Parent(p.name().substring("model:".length()), fitness,
                            heldout == null ? null : config.fitness(heldout.score(candidates.model()))));
                }
            }
            try (SearchJournal journal = journalSource.apply(parents)) {
                BatchEvaluator evaluator = options.scoring().evaluator(config, options.allowTestSplit(),
                        searchEvaluator(config, search, candidates, journal.dir()));
                SearchRun.Outcome outcome = SearchRun.run(config, genome, evaluator, journal, listener);
                List<Candidate> ranked = outcome.ranked();
                List<HeldoutScore> rows = new ArrayList<>();
                if (heldout != null) {
                    List<Candidate> top = ranked.subList(0, Math.min(e.rescoreTopK(), ranked.size()));
                    for (int i = 0; i < top.size(); i++) {
                        candidates.materialise(top.get(i).genes());
                        double[] scores = heldout.score(candidates.model());
                        rows.add(new HeldoutScore(i + 1, top.get(i).id(), top.get(i).fitness(), config.fitness(scores), scores));
                    }
                    journal.heldout(rows);
                }
                Candidate best = exportBest(genome, journal, outcome);
                Double bestHeldout = rows.stream().filter(r -> r.candidateId().equals(best.id())).findFirst()
                        .map(HeldoutScore::heldoutFitness).orElse(null);
                List<BaselineScore> comparison = new ArrayList<>();
                if (heldout != null) {
                    candidates.materialise(best.genes());
                    comparison.add(heldout.comparisonRow("best " + best.id(), candidates.model()));
                    for (Baselines.Baseline b : Baselines.of(genome)) {
                        candidates.materialise(b.recipe());
                        comparison.add(heldout.comparisonRow(b.name(), candidates.model()));
                    }
                    journal.baselines(comparison);
                }
                if (config.search().strategy() == Strategy.NSGA2) {
                    journal.pareto(SearchRun.paretoFront(ranked, config), best.id());
                }
                return new Result(journal.dir(), best, bestHeldout, journal.dir().resolve(RunFiles.BEST),
                        outcome.stopReason(), outcome.lastGeneration(), ranked.size(), rows, comparison);
            }
        }
    }

    /** The search split's evaluator for the configured {@code evaluation.fitness}. */
    private static BatchEvaluator searchEvaluator(SearchConfig config, TaskSuite search, CandidateModel candidates, Path runDir) {
        return switch (config.evaluation().fitness()) {
            case FitnessMode.Full f -> search.evaluator(candidates);
            case FitnessMode.Racing r -> new RacingEvaluator(new ItemScorer(config, search, candidates), r, config.search().seed());
            case FitnessMode.Anchors a -> new AnchorEvaluator(new ItemScorer(config, search, candidates), a, config.search().seed(), runDir,
                    System.out::println);
        };
    }

    /**
     * Writes {@code best.yaml}: the recipe of the exported candidate, rank 1 of {@link Ranking} over the search's
     * candidates (the same rule {@code amalgam export} and the report apply to the journal; the held-out re-scores
     * only report).
     */
    static Candidate exportBest(Genome genome, SearchJournal journal, SearchRun.Outcome outcome) {
        Candidate best = Ranking.exported(outcome.candidates());
        journal.best(RecipeYaml.toYaml(genome.decode(best.genes())));
        return best;
    }
}
