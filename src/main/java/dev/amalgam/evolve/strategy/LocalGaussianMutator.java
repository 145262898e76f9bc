package dev.amalgam.evolve.strategy;

import io.jenetics.DoubleGene;
import io.jenetics.Mutator;

import java.util.random.RandomGenerator;

/**
 * Gaussian mutation around the gene's current value: x + N(0, (sigma x range)^2), clamped into the gene's range. This is
 * what a GA's Gaussian mutation means (and what Jenetics' {@code GaussianMutator} did in older versions, 4.x). Jenetics 9's
 * {@code GaussianMutator} is a {@code SamplerMutator}: it draws a fresh value around the middle of the range and never
 * reads the gene's value, so a mutation there is a random restart of the gene, not a step. (On the demo the two gave the
 * same held-out fitness within noise: README, "Benchmarks".)
 *
 * @param <C> the fitness type
 */
final class LocalGaussianMutator<C extends Comparable<? super C>> extends Mutator<DoubleGene, C> {
    private final double sigma;

    /**
     * @param probability each gene's chance of mutating
     * @param sigma       the step's standard deviation as a share of the gene's range
     */
    LocalGaussianMutator(double probability, double sigma) {
        super(probability);
        if (!(sigma > 0)) {
            throw new IllegalArgumentException("sigma must be positive: " + sigma);
        }
        this.sigma = sigma;
    }

    @Override
    protected DoubleGene mutate(DoubleGene gene, RandomGenerator random) {
        double min = gene.min();
        double max = gene.max();
        double value = gene.doubleValue() + random.nextGaussian() * sigma * (max - min);
        // A DoubleGene's range is [min, max): the largest valid value is just below max.
        return gene.newInstance(Math.clamp(value, min, Math.nextDown(max)));
    }
}
