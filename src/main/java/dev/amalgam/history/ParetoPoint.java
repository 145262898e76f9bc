package dev.amalgam.history;

/**
 * A member of the final NSGA-II front: a row of {@code pareto.csv}.
 *
 * @param tasks    search-split score per task, [tasks]
 * @param exported whether it is the exported candidate ({@code best.yaml})
 */
public record ParetoPoint(String candidateId, double[] tasks, boolean exported) {
    public ParetoPoint {
        if (candidateId == null || candidateId.isBlank()) {
            throw new IllegalArgumentException("Pareto point needs a candidate id");
        }
        tasks = tasks.clone();
    }

    @Override
    public double[] tasks() {
        return tasks.clone();
    }
}
