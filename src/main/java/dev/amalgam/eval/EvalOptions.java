package dev.amalgam.eval;

import dev.amalgam.eval.TaskDocuments.DocumentSelection;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * How to evaluate. Preparation uses {@code numFewshot} (overrides each task's {@code num_fewshot} when present) and
 * {@code documents}; scoring uses {@code batchSize}, {@code shareInputs} and {@code progress}.
 */
public record EvalOptions(OptionalInt numFewshot, DocumentSelection documents, BatchSize batchSize,
                          boolean shareInputs, ScoringProgress progress) {
    public EvalOptions {
        Objects.requireNonNull(numFewshot);
        Objects.requireNonNull(documents);
        Objects.requireNonNull(batchSize);
        Objects.requireNonNull(progress);
    }

    /** Task defaults, all documents, auto batch size, shared inputs, no progress output. */
    public static EvalOptions defaults() {
        return new EvalOptions(OptionalInt.empty(), DocumentSelection.ALL, new BatchSize.Auto(BatchSize.Auto.DEFAULT_BUDGET), true, ScoringProgress.NONE);
    }

    public EvalOptions withNumFewshot(int n) {
        return new EvalOptions(OptionalInt.of(n), documents, batchSize, shareInputs, progress);
    }

    public EvalOptions withDocuments(DocumentSelection selection) {
        return new EvalOptions(numFewshot, selection, batchSize, shareInputs, progress);
    }

    public EvalOptions withBatchSize(BatchSize size) {
        return new EvalOptions(numFewshot, documents, size, shareInputs, progress);
    }

    public EvalOptions withShareInputs(boolean share) {
        return new EvalOptions(numFewshot, documents, batchSize, share, progress);
    }

    public EvalOptions withProgress(ScoringProgress listener) {
        return new EvalOptions(numFewshot, documents, batchSize, shareInputs, listener);
    }
}
