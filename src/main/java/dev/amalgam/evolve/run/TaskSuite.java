package dev.amalgam.evolve.run;

import dev.amalgam.BadInputException;
import dev.amalgam.NonFiniteException;
import dev.amalgam.eval.BatchSize;
import dev.amalgam.eval.EvalOptions;
import dev.amalgam.eval.EvalReport;
import dev.amalgam.eval.Evaluator;
import dev.amalgam.eval.GroupResult;
import dev.amalgam.eval.ItemResult;
import dev.amalgam.eval.MetricValue;
import dev.amalgam.eval.PreparedSuite;
import dev.amalgam.eval.TaskDefinition;
import dev.amalgam.eval.TaskDocuments.DocumentSelection;
import dev.amalgam.eval.TaskGroup;
import dev.amalgam.eval.TaskRegistry;
import dev.amalgam.eval.TaskResult;
import dev.amalgam.eval.TaskSelection;
import dev.amalgam.evolve.config.EvaluationSettings;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.TaskObjective;
import dev.amalgam.history.BaselineScore;
import dev.amalgam.history.Candidate;
import dev.amalgam.llm.CausalLanguageModel;
import dev.amalgam.llm.TextTokenizer;

import java.util.List;
import java.util.Optional;

/**
 * The config's tasks on one split, prepared (rendered and tokenised) once with the eval package's {@link Evaluator}
 * and scored for every candidate: one score per task objective, its configured metric.
 */
public final class TaskSuite {
    private final SearchConfig config;
    private final PreparedSuite suite;
    private final EvalOptions options;
    private final EvaluationSettings.Objective objective;
    private final SuiteItems items;

    private TaskSuite(SearchConfig config, PreparedSuite suite, EvalOptions options, EvaluationSettings.Objective objective) {
        this.config = config;
        this.suite = suite;
        this.options = options;
        this.objective = objective;
        this.items = new SuiteItems(config, suite, objective);
    }

    /** The split's documents, one item each, over all tasks (task by task, in document order). */
    public SuiteItems items() {
        return items;
    }

    /**
     * Scores {@code model} on the given items only (a subset of {@link #items()}, any order): each item's value of
     * the suite's objective, in the order asked, and the forward-pass tokens that took.
     */
    public SuiteItems.Scored scoreItems(CausalLanguageModel model, int[] which) {
        return items.score(which, subset -> Evaluator.score(model, subset, options));
    }

    /**
     * Refuses a search split that is a task's test split (unless allowed), from the task files alone: before the scoring
     * model is loaded, which takes minutes and gigabytes at real sizes.
     */
    public static void checkSearchSplit(SearchConfig config, boolean allowTestSplit) {
        if (!allowTestSplit) {
            EvaluationSettings e = config.evaluation();
            TaskRegistry registry = TaskRegistry.scan(e.tasksDir(), Optional.ofNullable(e.dataDir()));
            refuseTestSplit(config, e.searchSplit(), registry.select(config.tasks().stream().map(TaskObjective::name).toList()));
        }
    }

    private static void refuseTestSplit(SearchConfig config, String split, TaskSelection selection) {
        for (TaskDefinition t : selection.tasks()) {
            if (t.testSplit().map(split::equals).orElse(false) || split.equals("test")) {
                throw new BadInputException(config.file() + ": evaluation.search_split: '" + split + "' is the test split of task "
                        + t.name() + "; searching on a benchmark's test split overfits it (use a validation split, or pass --allow-test-split)");
            }
        }
    }

    /**
     * Prepares the config's tasks on {@code split}.
     *
     * @param searchObjective true for the search split: refuses a task's test split unless {@code allowTestSplit}, and
     *                        scores the configured {@code search_objective} (any other split scores the tasks' metrics)
     */
    public static TaskSuite prepare(SearchConfig config, String split, TextTokenizer tokenizer, boolean searchObjective, boolean allowTestSplit) {
        EvaluationSettings e = config.evaluation();
        TaskRegistry registry = TaskRegistry.scan(e.tasksDir(), Optional.ofNullable(e.dataDir()));
        TaskSelection selection = registry.select(config.tasks().stream().map(TaskObjective::name).toList());
        for (TaskObjective objective : config.tasks()) {
            // A tag (lm-eval's ai2_arc) selects tasks but has no aggregate value to serve as a fitness.
            if (selection.tasks().stream().noneMatch(t -> t.name().equals(objective.name()))
                    && selection.groups().stream().noneMatch(g -> g.name().equals(objective.name()))) {
                throw new BadInputException(config.file() + ": tasks: '" + objective.name() + "' is a tag of "
                        + registry.tags().getOrDefault(objective.name(), List.of()) + ", which has no single score; list those tasks"
                        + " (each with its weight) or a group instead");
            }
        }
        if (searchObjective && !allowTestSplit) {
            refuseTestSplit(config, split, selection);
        }
        TaskSelection onSplit = new TaskSelection(selection.tasks().stream().map(t -> onSplit(t, split)).toList(),
                selection.groups().stream().map(g -> new TaskGroup(g.name(), g.file(), g.tasks().stream().map(t -> onSplit(t, split)).toList(),
                        g.weightBySize())).toList());
        EvalOptions options = EvalOptions.defaults()
                .withDocuments(e.limit() == 0 ? DocumentSelection.ALL
                        : e.subsampleSeed() != null ? DocumentSelection.sampled(e.limit(), e.subsampleSeed()) : DocumentSelection.first(e.limit()));
        if (e.numFewshot() != null) {
            options = options.withNumFewshot(e.numFewshot());
        }
        if (e.batchSize() > 0) {
            options = options.withBatchSize(new BatchSize.Fixed(e.batchSize()));
        }
        return new TaskSuite(config, Evaluator.prepare(onSplit, tokenizer, options), options,
                searchObjective ? e.searchObjective() : EvaluationSettings.Objective.METRIC);
    }

    /** The task scoring {@code split}: its documents come from that split, few-shot examples from where they did. */
    static TaskDefinition onSplit(TaskDefinition t, String split) {
        if (!t.dataset().files().containsKey(split)) {
            throw new BadInputException(t.file() + ": task " + t.name() + " has no split '" + split + "' under dataset.files (has "
                    + t.dataset().files().keySet() + "); set evaluation.search_split / heldout_split");
        }
        Optional<String> fewshot = Optional.of(t.fewshotSourceSplit());
        return new TaskDefinition(t.name(), t.file(), t.dataset(), Optional.of(split), t.validationSplit(), t.trainingSplit(),
                fewshot, t.docToText(), t.docToChoice(), t.docToTarget(), t.description(), t.targetDelimiter(), t.fewshotDelimiter(),
                t.numFewshot(), t.sampler(), t.metrics(), t.vars());
    }

    public int requests() {
        return suite.requestCount();
    }

    /** Scores {@code model}: one value per task objective, in config order (the suite's objective). */
    public double[] score(CausalLanguageModel model) {
        return taskScores(evaluate(model));
    }

    /** The whole report of scoring {@code model} on the split (its stats count the forward-pass tokens). */
    public EvalReport evaluate(CausalLanguageModel model) {
        return Evaluator.score(model, suite, options);
    }

    private double[] taskScores(EvalReport report) {
        double[] out = new double[config.tasks().size()];
        for (int i = 0; i < out.length; i++) {
            TaskObjective task = config.tasks().get(i);
            out[i] = objective == EvaluationSettings.Objective.METRIC ? metric(report, task).value()
                    : SmoothObjective.score(objective, items(report, task));
        }
        return out;
    }

    /** The per-document results of a task, or of every task of a group (the documents pooled). */
    private static List<ItemResult> items(EvalReport report, TaskObjective objective) {
        Optional<TaskResult> task = report.task(objective.name());
        if (task.isPresent()) {
            return task.get().items();
        }
        return report.group(objective.name()).orElseThrow().tasks().stream()
                .flatMap(t -> report.task(t).orElseThrow().items().stream()).toList();
    }

    /**
     * Scores {@code model} as a held-out comparison row named {@code name}: fitness with its standard error (tasks
     * assumed independent), and per task the value and its standard error.
     */
    public BaselineScore comparisonRow(String name, CausalLanguageModel model) {
        EvalReport report = Evaluator.score(model, suite, options);
        double[] scores = new double[config.tasks().size()];
        double[] stderrs = new double[scores.length];
        double variance = 0;
        for (int i = 0; i < scores.length; i++) {
            MetricValue value = metric(report, config.tasks().get(i));
            scores[i] = value.value();
            stderrs[i] = value.stderr();
            double share = config.tasks().get(i).weight() / config.weightNorm();
            double se = Double.isNaN(value.stderr()) ? 0 : value.stderr();
            variance += share * share * se * se;
        }
        return new BaselineScore(name, config.fitness(scores), Math.sqrt(variance), scores, stderrs);
    }

    private MetricValue metric(EvalReport report, TaskObjective objective) {
        Optional<TaskResult> task = report.task(objective.name());
        if (task.isPresent()) {
            MetricValue v = task.get().metrics().get(objective.metric());
            if (v == null) {
                throw new BadInputException(config.file() + ": tasks: task " + objective.name() + " has no metric " + objective.metric()
                        + " (has " + task.get().metrics().keySet() + ")");
            }
            return v;
        }
        GroupResult group = report.group(objective.name()).orElseThrow();
        MetricValue v = group.metrics().get(objective.metric());
        if (v == null) {
            throw new BadInputException(config.file() + ": tasks: group " + objective.name() + " has no metric " + objective.metric());
        }
        return v;
    }

    /** The split's scores as a candidate evaluator over {@code candidates}' in-memory materialisation. */
    public BatchEvaluator evaluator(CandidateModel candidates) {
        return (genomes, results) -> {
            for (int i = 0; i < genomes.size(); i++) {
                long t0 = System.nanoTime();
                long t1 = t0;
                double[] scores;
                String failure = "";
                long tokens = 0;
                try {
                    candidates.materialise(genomes.get(i));
                    t1 = System.nanoTime();
                    EvalReport report = evaluate(candidates.model());
                    scores = taskScores(report);
                    tokens = report.stats().tokens();
                } catch (NonFiniteException e) {
                    // NaN weights or log-likelihoods: the candidate is worth nothing, the journal says why, and the
                    // search goes on.
                    candidates.warnOnce("a candidate scores 0: " + e.getMessage());
                    scores = new double[config.tasks().size()];
                    failure = "scored 0: " + e.getMessage();
                }
                long t2 = System.nanoTime();
                double merge = (t1 - t0) / 1e9;
                double scoring = (t2 - t1) / 1e9;
                double end = CandidateScore.now();
                results.scored(i, new CandidateScore(scores, merge, scoring, Candidate.LOCAL, end - merge - scoring, end, failure,
                        new Candidate.Cost(items.count(), tokens, false)));
            }
        };
    }
}
