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

    /**
     * Logits for rows that share a context: row r is {@code prefix + suffixes[r]} (suffixes right-padded to one length,
     * {@code lengths[r]} real tokens, at least 1), and the result holds the logits at the suffix positions only,
     * rows concatenated: [sum of lengths, vocab]. This default runs each full row; a model may run the prefix once
     * and reuse its keys and values (the numbers agree up to fp32 rounding).
     */
    default NDArray logitsAfterPrefix(NDManager manager, int[] prefix, int[][] suffixes, int[] lengths) {
        int seq = prefix.length + suffixes[0].length;
        int[][] full = new int[suffixes.length][seq];
        int[] fullLengths = new int[suffixes.length];
        int[] from = new int[suffixes.length];
        for (int r = 0; r < suffixes.length; r++) {
            System.arraycopy(prefix, 0, full[r], 0, prefix.length);
            System.arraycopy(suffixes[r], 0, full[r], prefix.length, suffixes[r].length);
            fullLengths[r] = prefix.length + lengths[r];
            from[r] = prefix.length;
        }
        return logitsAt(manager, full, fullLengths, from);
    }

    /** Longest input the model accepts (max_position_embeddings). */
    int contextLength();

    int vocabSize();

    @Override
    void close();
}
