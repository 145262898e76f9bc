package dev.amalgam.evolve.run;

import dev.amalgam.eval.ItemResult;
import dev.amalgam.evolve.config.EvaluationSettings.Objective;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmoothObjectiveTest {
    private static ItemResult item(List<Integer> golds, Double... logprobs) {
        return new ItemResult(0, List.of(logprobs), List.of(), golds, Map.of(), Map.of());
    }

    /** Softmax of (-1, -2, -3) at 0 is 1 / (1 + e^-1 + e^-2); two golds add their masses; margins are differences. */
    @Test
    void matchesHandComputedValues() {
        ItemResult right = item(List.of(0), -1.0, -2.0, -3.0);
        ItemResult wrong = item(List.of(2), -1.0, -2.0, -3.0);
        ItemResult twoGolds = item(List.of(0, 1), -1.0, -2.0, -3.0);
        double z = 1 + Math.exp(-1) + Math.exp(-2);
        assertEquals(1 / z, SmoothObjective.goldProbability(right), 1e-12);
        assertEquals(Math.exp(-2) / z, SmoothObjective.goldProbability(wrong), 1e-12);
        assertEquals((1 + Math.exp(-1)) / z, SmoothObjective.goldProbability(twoGolds), 1e-12);
        assertEquals(1.0, SmoothObjective.margin(right), 1e-12);
        assertEquals(-2.0, SmoothObjective.margin(wrong), 1e-12);
        assertEquals((1 / z + Math.exp(-2) / z) / 2, SmoothObjective.score(Objective.GOLD_PROBABILITY, List.of(right, wrong)), 1e-12);
        assertEquals(-0.5, SmoothObjective.score(Objective.LOGPROB_MARGIN, List.of(right, wrong)), 1e-12);
    }

    /** Very unlikely choices (log-likelihoods of -1000s) still give a probability, not 0/0. */
    @Test
    void largeNegativeLogLikelihoodsDoNotUnderflow() {
        double p = SmoothObjective.goldProbability(item(List.of(1), -2000.0, -2001.0));
        assertEquals(1 / (1 + Math.E), p, 1e-12);
        assertTrue(Double.isFinite(SmoothObjective.margin(item(List.of(1), -2000.0, -2001.0))));
    }
}
