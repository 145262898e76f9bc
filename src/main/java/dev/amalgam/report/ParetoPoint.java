package dev.amalgam.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One member of the final NSGA-II front, from {@code pareto.csv}; {@code exported} marks the exported candidate. */
record ParetoPoint(String candidateId, Map<String, Double> taskScores, boolean exported) {
    ParetoPoint {
        if (candidateId.isBlank()) {
            throw new IllegalArgumentException("Pareto point needs a candidate id");
        }
        taskScores = Collections.unmodifiableMap(new LinkedHashMap<>(taskScores));
    }
}
