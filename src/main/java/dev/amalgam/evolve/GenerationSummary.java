package dev.amalgam.evolve;

import tech.tablesaw.api.DoubleColumn;

import java.util.List;

/**
 * One complete generation's statistics over its population's fitness (a row of {@code generations.csv}).
 *
 * @param evaluations cumulative distinct evaluations so far
 * @param diversity   mean over genes of the population's standard deviation in the unit cube (0 = all equal)
 * @param best        the generation's best candidate
 */
public record GenerationSummary(int generation, int evaluations, double bestFitness, double mean, double median, double std,
                                double p10, double p90, double diversity, Candidate best, double elapsedSeconds) {

    /** Statistics of {@code population} (Tablesaw's mean, median, sample std and percentiles). */
    public static GenerationSummary of(int generation, int evaluations, List<Candidate> population, Genome genome, double elapsedSeconds) {
        DoubleColumn fitness = DoubleColumn.create("fitness", population.stream().mapToDouble(Candidate::fitness).toArray());
        Candidate best = population.stream().max(java.util.Comparator.comparingDouble(Candidate::fitness)).orElseThrow();
        double diversity = 0;
        int genes = genome.size();
        for (int i = 0; i < genes; i++) {
            final int gi = i;
            DoubleColumn values = DoubleColumn.create("g", population.stream().mapToDouble(c -> genome.toUnit(c.genes())[gi]).toArray());
            diversity += population.size() > 1 ? values.standardDeviation() : 0;
        }
        double std = population.size() > 1 ? fitness.standardDeviation() : 0;
        return new GenerationSummary(generation, evaluations, best.fitness(), fitness.mean(), fitness.median(), std,
                fitness.percentile(10), fitness.percentile(90), diversity / genes, best, elapsedSeconds);
    }
}
