package dev.amalgam.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * What the evaluator needs from a model: next-token logits for a batch of token sequences.
 */
public interface CausalLanguageModel extends AutoCloseable {
    /**
     * Logits for a right-padded batch. Row r's positions past {@code lengths[r]} hold padding; their
     * logits are unspecified, and they must not influence the positions before them (causal mask).
     *
     * @param manager where the result (and temporaries) are allocated
     * @param tokens  [batch][seq] token ids, every row of the same length (padded)
     * @param lengths [batch] real lengths
     * @return [batch, seq, vocab] fp32 logits
     */
    NDArray logits(NDManager manager, int[][] tokens, int[] lengths);

    /**
     * Logits at chosen positions only: for each row r, positions [from[r], lengths[r]), rows
     * concatenated in order. Scoring needs just the continuation's positions, and skipping the others
     * saves most of the vocabulary projection.
     *
     * @return [sum over rows of (lengths[r] - from[r]), vocab] fp32 logits
     */
    NDArray logitsAt(NDManager manager, int[][] tokens, int[] lengths, int[] from);

    /** Longest input the model accepts (max_position_embeddings). */
    int contextLength();

    int vocabSize();

    @Override
    void close();
}
