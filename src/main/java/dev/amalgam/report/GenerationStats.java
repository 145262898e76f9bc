package dev.amalgam.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One complete generation from {@code generations.csv}: fitness statistics over its population, the cumulative
 * distinct evaluations so far, and the per-task search scores of its best candidate (task name to score, 0..1).
 */
record GenerationStats(int generation, long evaluations, double best, double mean, double median, double std,
                       double p10, double p90, double diversity, String bestCandidateId,
                       Map<String, Double> bestTaskScores, double elapsedSeconds) {
    GenerationStats {
        if (generation < 0 || evaluations < 0) {
            throw new IllegalArgumentException("generation and evaluations must be >= 0");
        }
        bestTaskScores = Collections.unmodifiableMap(new LinkedHashMap<>(bestTaskScores)); // journal column order
    }
}
