package dev.amalgam.zoo;

import dev.amalgam.eval.EvalOptions;
import dev.amalgam.eval.Evaluator;
import dev.amalgam.eval.PreparedSuite;
import dev.amalgam.eval.TaskDefinition;
import dev.amalgam.eval.TaskRegistry;
import dev.amalgam.eval.TaskSelection;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.TextTokenizer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The demo skills' accuracy ({@code acc}) on one split, scored by the project's evaluator from the task YAMLs,
 * like any other task. Rendering and tokenisation happen once; {@link #accuracy} scores one model.
 */
public final class SkillEvaluation {
    private final PreparedSuite suite;

    private SkillEvaluation(PreparedSuite suite) {
        this.suite = suite;
    }

    /**
     * Prepares the tasks of {@code taskFiles} (rows under {@code dataDir}) for scoring on {@code split}
     * ({@link Split#TRAIN} is not a scored split).
     */
    public static SkillEvaluation prepare(List<Path> taskFiles, Path dataDir, Split split, TextTokenizer tokenizer) {
        if (split == Split.TRAIN) {
            throw new IllegalArgumentException("the train split is not scored");
        }
        List<TaskDefinition> tasks = taskFiles.stream()
                .map(f -> onSplit(TaskRegistry.loadTaskFile(f, Optional.of(dataDir)), split)).toList();
        return new SkillEvaluation(Evaluator.prepare(new TaskSelection(tasks, List.of()), tokenizer, EvalOptions.defaults()));
    }

    /** The task scoring {@code split}: lm-eval scores test_split when set, else validation_split. */
    private static TaskDefinition onSplit(TaskDefinition t, Split split) {
        Optional<String> test = split == Split.TEST ? t.testSplit() : Optional.empty();
        Optional<String> validation = split == Split.VALIDATION ? t.validationSplit() : Optional.empty();
        if (test.isEmpty() && validation.isEmpty()) {
            throw new IllegalArgumentException(t.file() + ": task " + t.name() + " has no " + split.hfName() + " split");
        }
        return new TaskDefinition(t.name(), t.file(), t.dataset(), test, validation, t.trainingSplit(), t.fewshotSplit(),
                t.docToText(), t.docToChoice(), t.docToTarget(), t.description(), t.targetDelimiter(),
                t.fewshotDelimiter(), t.numFewshot(), t.sampler(), t.metrics(), t.vars());
    }

    /** Task name to accuracy in [0, 1] for {@code model}. */
    public Map<String, Double> accuracy(LlamaModel model) {
        Map<String, Double> out = new LinkedHashMap<>();
        Evaluator.score(model, suite, EvalOptions.defaults()).tasks().forEach(t -> out.put(t.name(), t.value("acc")));
        return out;
    }
}
