package dev.amalgam.evolve.run;

import dev.amalgam.eval.ItemResult;
import dev.amalgam.evolve.config.EvaluationSettings;

import java.util.List;

/**
 * The smoother search objectives of {@code evaluation.search_objective}, from the same per-document choice
 * log-likelihoods the accuracy is computed from: accuracy moves only when a document's argmax flips, these move with
 * every change of the gold choice's likelihood, so fewer documents rank candidates alike.
 */
final class SmoothObjective {
    private SmoothObjective() {
    }

    /** The mean over {@code items} of the objective's per-document value. */
    static double score(EvaluationSettings.Objective objective, List<ItemResult> items) {
        if (items.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        for (ItemResult item : items) {
            sum += switch (objective) {
                case GOLD_PROBABILITY -> goldProbability(item);
                case LOGPROB_MARGIN -> margin(item);
                case METRIC -> throw new IllegalArgumentException("the metric objective is the task's own metric");
            };
        }
        return sum / items.size();
    }

    /** The probability mass of the gold choice(s) under a softmax of the choices' summed log-likelihoods. */
    static double goldProbability(ItemResult item) {
        List<Double> lp = item.logprobs();
        double max = lp.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double all = 0;
        double gold = 0;
        for (int j = 0; j < lp.size(); j++) {
            double e = Math.exp(lp.get(j) - max); // shifted by the max: no underflow of all choices at once
            all += e;
            gold += item.golds().contains(j) ? e : 0;
        }
        return gold / all;
    }

    /** The best gold choice's log-likelihood minus the best other choice's (positive: the document is right). */
    static double margin(ItemResult item) {
        double gold = Double.NEGATIVE_INFINITY;
        double other = Double.NEGATIVE_INFINITY;
        List<Double> lp = item.logprobs();
        for (int j = 0; j < lp.size(); j++) {
            if (item.golds().contains(j)) {
                gold = Math.max(gold, lp.get(j));
            } else {
                other = Math.max(other, lp.get(j));
            }
        }
        return other == Double.NEGATIVE_INFINITY ? 0 : gold - other;
    }
}
