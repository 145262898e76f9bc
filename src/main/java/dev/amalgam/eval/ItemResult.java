package dev.amalgam.eval;

import java.util.List;
import java.util.Map;

/**
 * One document's outcome, for item-by-item comparison of models.
 *
 * @param logprobs    summed continuation log-probability per choice
 * @param greedy      per choice, whether every continuation token was the argmax
 * @param predictions predicted choice index per metric key ({@code acc}, {@code acc_norm}, ...)
 * @param correct     per metric key, whether the prediction is a gold index
 */
public record ItemResult(int docId, List<Double> logprobs, List<Boolean> greedy, List<Integer> golds,
                         Map<String, Integer> predictions, Map<String, Boolean> correct) {
    public ItemResult {
        logprobs = List.copyOf(logprobs);
        greedy = List.copyOf(greedy);
        golds = List.copyOf(golds);
        predictions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(predictions));
        correct = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(correct));
    }
}
