package dev.amalgam.eval;

import dev.amalgam.BadValueException;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A multiple-choice task as lm-evaluation-harness configures it (field names follow its YAML).
 *
 * @param name            {@code task}
 * @param file            the YAML it came from (for messages)
 * @param dataset         where the rows are
 * @param testSplit       {@code test_split}; the scored split (else {@code validation_split})
 * @param validationSplit {@code validation_split}
 * @param trainingSplit   {@code training_split}
 * @param fewshotSplit    {@code fewshot_split}; few-shot source, else training, validation, test split in that order
 * @param vars            template variables (e.g. MMLU's {@code subject}) visible to every template
 * @param metrics         {@code metric_list}
 */
public record TaskDefinition(String name, Path file, DatasetSpec dataset,
                             Optional<String> testSplit, Optional<String> validationSplit,
                             Optional<String> trainingSplit, Optional<String> fewshotSplit,
                             DocTemplate docToText, ChoiceSource docToChoice, DocTemplate docToTarget,
                             Optional<DocTemplate> description, String targetDelimiter, String fewshotDelimiter,
                             int numFewshot, FewshotSampler sampler, List<Metric> metrics, Map<String, Object> vars) {
    public TaskDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataset, "dataset");
        if (testSplit.isEmpty() && validationSplit.isEmpty()) {
            throw new BadValueException("test_split", "task " + name + " needs test_split or validation_split");
        }
        if (numFewshot < 0) {
            throw new BadValueException("num_fewshot", "expected 0 or more, got " + numFewshot);
        }
        if (metrics.isEmpty()) {
            throw new BadValueException("metric_list", "expected at least one metric, got none");
        }
        metrics = List.copyOf(metrics);
        vars = Map.copyOf(vars);
    }

    /** The split that is scored: {@code test_split}, else {@code validation_split}. */
    public String evalSplit() {
        return testSplit.or(() -> validationSplit).orElseThrow();
    }

    /** The split few-shot examples come from: fewshot, training, validation, then test split. */
    public String fewshotSourceSplit() {
        return fewshotSplit.or(() -> trainingSplit).or(() -> validationSplit).or(() -> testSplit).orElseThrow();
    }

    /** This task with another number of few-shot examples (the {@code --num-fewshot} override). */
    public TaskDefinition withNumFewshot(int n) {
        return new TaskDefinition(name, file, dataset, testSplit, validationSplit, trainingSplit, fewshotSplit,
                docToText, docToChoice, docToTarget, description, targetDelimiter, fewshotDelimiter, n, sampler, metrics, vars);
    }
}
