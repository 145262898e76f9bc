package dev.amalgam.eval;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Multiple-choice metrics of lm-evaluation-harness: which normalisation picks the predicted choice. */
public enum Metric {
    /** argmax of the summed continuation log-probability. */
    ACC("acc"),
    /** argmax of log-probability per character (code point) of the choice, as Python's {@code len(choice)}. */
    ACC_NORM("acc_norm"),
    /** argmax of log-probability per UTF-8 byte of the choice. */
    ACC_BYTES("acc_bytes");

    private final String key;

    Metric(String key) {
        this.key = key;
    }

    /** The name used in task YAML and reports ({@code acc}, {@code acc_norm}, {@code acc_bytes}). */
    public String key() {
        return key;
    }

    /** The metric named {@code key} in task YAML. */
    static Optional<Metric> byKey(String key) {
        return Arrays.stream(values()).filter(m -> m.key.equals(key)).findFirst();
    }

    static List<String> keys() {
        return Arrays.stream(values()).map(Metric::key).toList();
    }

    /** Index of the predicted choice: the first maximum, like numpy's argmax. */
    public int predict(double[] logprobs, List<String> choices) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logprobs.length; i++) {
            double score = switch (this) {
                case ACC -> logprobs[i];
                case ACC_NORM -> logprobs[i] / choices.get(i).codePointCount(0, choices.get(i).length());
                case ACC_BYTES -> logprobs[i] / choices.get(i).getBytes(StandardCharsets.UTF_8).length;
            };
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }
}
