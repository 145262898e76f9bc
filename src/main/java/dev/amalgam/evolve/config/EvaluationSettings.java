package dev.amalgam.evolve.config;

import dev.amalgam.BadValueException;
import dev.amalgam.llm.ScoringDtype;

import java.nio.file.Path;

/**
 * The {@code evaluation:} block: where the tasks are and which documents are scored.
 *
 * @param tasksDir      the lm-eval task YAML folder
 * @param dataDir       the datasets folder, or null (paths then resolve against each task file)
 * @param limit         documents per task and split; 0 = all
 * @param subsampleSeed with a limit: draw the documents at random with this seed instead of taking the first
 * @param numFewshot    overrides every task's num_fewshot; null = the task's own
 * @param batchSize     requests per forward pass; 0 = automatic
 * @param searchSplit   the split whose scores drive the search
 * @param heldoutSplit  a different split, used only to re-score the top candidates at the end
 * @param rescoreTopK   how many of the best candidates are re-scored on the held-out split; 0 = none
 * @param searchObjective what a task scores on the search split: its configured metric, or a smoother per-document
 *                        quantity of the same requests; the held-out split always reports the task's metric
 * @param scoringDtype    the type the scoring model's weights are resident in ({@code scoring_dtype}; null = auto)
 * @param fitness       how many of the search split's items a candidate is scored on ({@link FitnessMode})
 */
public record EvaluationSettings(Path tasksDir, Path dataDir, int limit, Long subsampleSeed, Integer numFewshot,
                                 int batchSize, String searchSplit, String heldoutSplit, int rescoreTopK, Objective searchObjective,
                                 ScoringDtype scoringDtype, FitnessMode fitness) {
    /** The {@code search_objective} values. */
    public enum Objective {
        /** The task's configured metric (e.g. {@code acc}: 0/1 per document). */
        METRIC("metric"),
        /** Mean over documents of the gold choice's probability among the choices (softmax of their log-likelihoods). */
        GOLD_PROBABILITY("gold_probability"),
        /** Mean over documents of the gold choice's log-likelihood minus the best wrong choice's. */
        LOGPROB_MARGIN("logprob_margin");

        private final String key;

        Objective(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Objective of(String key) {
            for (Objective o : values()) {
                if (o.key.equals(key)) {
                    return o;
                }
            }
            throw new BadValueException("evaluation.search_objective", "expected metric, gold_probability or logprob_margin, got '" + key + "'");
        }
    }

    /** Settings that search on the tasks' own metrics, scoring with {@link ScoringDtype#AUTO}. */
    public EvaluationSettings(Path tasksDir, Path dataDir, int limit, Long subsampleSeed, Integer numFewshot,
                              int batchSize, String searchSplit, String heldoutSplit, int rescoreTopK) {
        this(tasksDir, dataDir, limit, subsampleSeed, numFewshot, batchSize, searchSplit, heldoutSplit, rescoreTopK, Objective.METRIC, ScoringDtype.AUTO,
                FitnessMode.FULL);
    }

    public EvaluationSettings {
        if (searchObjective == null) {
            searchObjective = Objective.METRIC;
        }
        if (scoringDtype == null) {
            scoringDtype = ScoringDtype.AUTO;
        }
        if (fitness == null) {
            fitness = FitnessMode.FULL;
        }
        if (fitness instanceof FitnessMode.Racing && searchObjective == Objective.LOGPROB_MARGIN) {
            throw new BadValueException("evaluation.fitness", "racing bounds item scores in [0, 1]; search_objective logprob_margin is"
                    + " unbounded (use metric or gold_probability)");
        }
        if (tasksDir == null) {
            throw new BadValueException("evaluation.tasks_dir", "required");
        }
        if (limit < 0) {
            throw new BadValueException("evaluation.limit", "expected a positive document count, got " + limit);
        }
        if (subsampleSeed != null && limit == 0) {
            throw new BadValueException("evaluation.subsample_seed", "needs evaluation.limit (the subsample size)");
        }
        if (numFewshot != null && (numFewshot < 0 || numFewshot > 100)) {
            throw new BadValueException("evaluation.num_fewshot", "expected 0..100, got " + numFewshot);
        }
        if (batchSize < 0) {
            throw new BadValueException("evaluation.batch_size", "expected a positive number or auto, got " + batchSize);
        }
        if (searchSplit == null || searchSplit.isBlank()) {
            throw new BadValueException("evaluation.search_split", "required");
        }
        if (heldoutSplit != null && heldoutSplit.equals(searchSplit)) {
            throw new BadValueException("evaluation.heldout_split", "must differ from search_split ('" + searchSplit + "')");
        }
        if (rescoreTopK < 0) {
            throw new BadValueException("evaluation.rescore_top_k", "expected 0 or more, got " + rescoreTopK);
        }
        if (rescoreTopK > 0 && heldoutSplit == null) {
            throw new BadValueException("evaluation.rescore_top_k", "needs evaluation.heldout_split");
        }
    }

    /** The same settings reading datasets from {@code folder}. */
    public EvaluationSettings withDataDir(Path folder) {
        return new EvaluationSettings(tasksDir, folder, limit, subsampleSeed, numFewshot, batchSize, searchSplit, heldoutSplit,
                rescoreTopK, searchObjective, scoringDtype, fitness);
    }

    /** The same settings with another search objective and fitness mode. */
    public EvaluationSettings with(Objective objective, FitnessMode mode) {
        return new EvaluationSettings(tasksDir, dataDir, limit, subsampleSeed, numFewshot, batchSize, searchSplit, heldoutSplit,
                rescoreTopK, objective, scoringDtype, mode);
    }
}
