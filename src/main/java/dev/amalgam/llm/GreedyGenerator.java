package dev.amalgam.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy (argmax, first maximum on ties) decoding. Each step reruns the full forward pass over the
 * sequences so far, batched over the prompts still running: simple and exact, fine for short
 * generations.
 */
public record GreedyGenerator(CausalLanguageModel model) {

    /**
     * Extends {@code prompt} by up to {@code maxNewTokens} tokens, stopping early at the context length
     * or when a token in {@code stopIds} is chosen (that token is not included).
     *
     * @return the prompt followed by the generated tokens
     */
    public int[] generate(int[] prompt, int maxNewTokens, int... stopIds) {
        return generate(new int[][]{prompt}, new int[]{maxNewTokens}, stopIds)[0];
    }

    /**
     * {@link #generate(int[], int, int...)} for several prompts at once (row r gets up to
     * {@code maxNewTokens[r]} tokens), as one right-padded batch per step.
     */
    public int[][] generate(int[][] prompts, int[] maxNewTokens, int... stopIds) {
        if (maxNewTokens.length != prompts.length) {
            throw new IllegalArgumentException(prompts.length + " prompts but " + maxNewTokens.length + " token limits");
        }
        int[][] sequences = new int[prompts.length][];
        int[] lengths = new int[prompts.length];
        int[] limits = new int[prompts.length];
        List<Integer> running = new ArrayList<>();
        for (int r = 0; r < prompts.length; r++) {
            if (maxNewTokens[r] < 0) {
                throw new IllegalArgumentException("maxNewTokens[" + r + "] must be >= 0, got " + maxNewTokens[r]);
            }
            if (prompts[r].length == 0 || prompts[r].length > model.contextLength()) {
                throw new IllegalArgumentException("prompt " + r + " has " + prompts[r].length
                        + " tokens, expected 1.." + model.contextLength() + " (e.g. BOS for an empty prompt)");
            }
            lengths[r] = prompts[r].length;
            limits[r] = (int) Math.min(model.contextLength(), (long) lengths[r] + maxNewTokens[r]);
            sequences[r] = Arrays.copyOf(prompts[r], limits[r]);
            if (lengths[r] < limits[r]) {
                running.add(r);
            }
        }
        while (!running.isEmpty()) {
            int[] next = nextTokens(running, sequences, lengths);
            List<Integer> still = new ArrayList<>();
            for (int i = 0; i < next.length; i++) {
                int r = running.get(i);
                int token = next[i];
                if (Arrays.stream(stopIds).anyMatch(s -> s == token)) {
                    continue;
                }
                sequences[r][lengths[r]++] = token;
                if (lengths[r] < limits[r]) {
                    still.add(r);
                }
            }
            running = still;
        }
        int[][] out = new int[prompts.length][];
        for (int r = 0; r < prompts.length; r++) {
            out[r] = Arrays.copyOf(sequences[r], lengths[r]);
        }
        return out;
    }

    /** The argmax of each running row's last real position. */
    private int[] nextTokens(List<Integer> running, int[][] sequences, int[] lengths) {
        int seq = running.stream().mapToInt(r -> lengths[r]).max().orElseThrow();
        int[][] batch = new int[running.size()][];
        int[] batchLengths = new int[running.size()];
        for (int i = 0; i < batch.length; i++) {
            int r = running.get(i);
            batch[i] = Arrays.copyOf(sequences[r], seq); // zeros past the real length: padding
            batchLengths[i] = lengths[r];
        }
        int[] next = new int[batch.length];
        try (NDManager scope = NDManager.newBaseManager()) {
            NDArray logits = model.logits(scope, batch, batchLengths); // [batch, seq, vocab]
            for (int i = 0; i < batch.length; i++) {
                next[i] = argmax(logits.get(i, batchLengths[i] - 1).toFloatArray());
            }
        }
        return next;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
