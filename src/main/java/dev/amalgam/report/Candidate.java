package dev.amalgam.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluated candidate from {@code candidates.csv}: its genes (gene name to value, in journal column order),
 * its per-task search scores (task name to score, 0..1), its fitness and the seconds spent merging and scoring it.
 */
record Candidate(int generation, String id, String genomeKey, Map<String, Double> genes,
                 Map<String, Double> taskScores, double fitness, double mergeSeconds, double scoreSeconds,
                 double seconds) {
    Candidate {
        if (generation < 0 || id.isBlank()) {
            throw new IllegalArgumentException("candidate needs a generation >= 0 and an id");
        }
        genes = Collections.unmodifiableMap(new LinkedHashMap<>(genes));
        taskScores = Collections.unmodifiableMap(new LinkedHashMap<>(taskScores));
    }
}
