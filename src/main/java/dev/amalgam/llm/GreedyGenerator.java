package dev.amalgam.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Arrays;

/**
 * Greedy (argmax, first maximum on ties) decoding. Each step reruns the full forward pass over the
 * sequence so far: simple and exact, fine for short generations.
 */
public record GreedyGenerator(CausalLanguageModel model) {

    /**
     * Extends {@code prompt} by up to {@code maxNewTokens} tokens, stopping early at the context length
     * or when a token in {@code stopIds} is chosen (that token is not included).
     *
     * @return the prompt followed by the generated tokens
     */
    public int[] generate(int[] prompt, int maxNewTokens, int... stopIds) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt must hold at least one token (e.g. BOS)");
        }
        int limit = Math.min(model.contextLength(), prompt.length + maxNewTokens);
        int[] seq = Arrays.copyOf(prompt, Math.max(limit, prompt.length));
        int length = prompt.length;
        while (length < limit) {
            int next = nextToken(Arrays.copyOf(seq, length));
            if (Arrays.stream(stopIds).anyMatch(s -> s == next)) {
                break;
            }
            seq[length++] = next;
        }
        return Arrays.copyOf(seq, length);
    }

    /** The argmax of the last position's logits. */
    private int nextToken(int[] sequence) {
        try (NDManager scope = NDManager.newBaseManager()) {
            NDArray logits = model.logits(scope, new int[][]{sequence}, new int[]{sequence.length});
            float[] last = logits.get(0, sequence.length - 1).toFloatArray();
            int best = 0;
            for (int i = 1; i < last.length; i++) {
                if (last[i] > last[best]) {
                    best = i;
                }
            }
            return best;
        }
    }
}
