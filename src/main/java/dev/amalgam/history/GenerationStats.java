package dev.amalgam.history;

import tech.tablesaw.api.DoubleColumn;

import java.util.Comparator;
import java.util.List;

/**
 * One complete generation: statistics over its population's fitness, a row of {@code generations.csv}.
 *
 * @param evaluations     distinct candidates evaluated in generations 0..this one
 * @param best            the population's best fitness
 * @param diversity       mean over genes of the population's standard deviation in the unit cube (0 = all equal)
 * @param bestCandidateId the population's best candidate (the first of equal ones in population order)
 * @param bestTasks       that candidate's search-split task scores, [tasks]
 * @param elapsedSeconds  wall-clock seconds of the run so far (summed over resumed sessions)
 */
public record GenerationStats(int generation, int evaluations, double best, double mean, double median, double std,
                              double p10, double p90, double diversity, String bestCandidateId, double[] bestTasks,
                              double elapsedSeconds) {
    public GenerationStats {
        if (generation < 0 || evaluations < 0) {
            throw new IllegalArgumentException("generation and evaluations must be >= 0");
        }
        bestTasks = bestTasks.clone();
    }

    @Override
    public double[] bestTasks() {
        return bestTasks.clone();
    }

    /**
     * The statistics of {@code population} with Tablesaw's aggregations (mean, median, sample standard deviation,
     * percentiles).
     *
     * @param unitGenes each member's genes mapped into the unit cube, [population][genes]
     */
    public static GenerationStats of(int generation, int evaluations, List<Candidate> population, List<double[]> unitGenes,
                                     double elapsedSeconds) {
        DoubleColumn fitness = DoubleColumn.create("fitness", population.stream().mapToDouble(Candidate::fitness).toArray());
        Candidate best = population.stream().max(Comparator.comparingDouble(Candidate::fitness)).orElseThrow();
        int genes = unitGenes.getFirst().length;
        double diversity = 0;
        for (int i = 0; i < genes; i++) {
            final int gi = i;
            DoubleColumn values = DoubleColumn.create("g", unitGenes.stream().mapToDouble(u -> u[gi]).toArray());
            diversity += population.size() > 1 ? values.standardDeviation() : 0;
        }
        double std = population.size() > 1 ? fitness.standardDeviation() : 0;
        return new GenerationStats(generation, evaluations, best.fitness(), fitness.mean(), fitness.median(), std,
                fitness.percentile(10), fitness.percentile(90), diversity / genes, best.id(), best.tasks(), elapsedSeconds);
    }
}
