package dev.amalgam.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One top-k candidate re-scored on the held-out split, from {@code heldout.csv}. */
record HeldoutScore(int rank, String candidateId, double searchFitness, double heldoutFitness,
                    Map<String, Double> taskScores) {
    HeldoutScore {
        if (rank < 1 || candidateId.isBlank()) {
            throw new IllegalArgumentException("held-out rank must be >= 1 and the candidate id set");
        }
        taskScores = Collections.unmodifiableMap(new LinkedHashMap<>(taskScores));
    }
}
