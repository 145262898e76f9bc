package dev.amalgam.history;

/**
 * One of the search's top candidates re-scored on the held-out split: a row of {@code heldout.csv}.
 *
 * @param rank  its place in the search ranking (1 = best search fitness)
 * @param tasks held-out score per task, [tasks]
 */
public record HeldoutScore(int rank, String candidateId, double searchFitness, double heldoutFitness, double[] tasks) {
    public HeldoutScore {
        if (rank < 1 || candidateId == null || candidateId.isBlank()) {
            throw new IllegalArgumentException("held-out rank must be >= 1 and the candidate id set");
        }
        tasks = tasks.clone();
    }

    @Override
    public double[] tasks() {
        return tasks.clone();
    }
}
