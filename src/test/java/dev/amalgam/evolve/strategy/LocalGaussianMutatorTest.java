package dev.amalgam.evolve.strategy;

import io.jenetics.DoubleGene;
import io.jenetics.GaussianMutator;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GA's mutation steps from the gene's value (seeded, statistical), where Jenetics 9's GaussianMutator draws a
 * value that does not depend on it: the reason the GA has its own mutator.
 */
class LocalGaussianMutatorTest {
    private static final int DRAWS = 20_000;

    /** Mean and standard deviation of {@link #DRAWS} mutations of {@code value} in [0, 1). */
    private static double[] moments(DoubleUnaryOperator mutate, double value) {
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < DRAWS; i++) {
            double v = mutate.applyAsDouble(value);
            assertTrue(v >= 0 && v < 1, "mutated to " + v);
            sum += v;
            squares += v * v;
        }
        double mean = sum / DRAWS;
        return new double[]{mean, Math.sqrt(squares / DRAWS - mean * mean)};
    }

    @Test
    void stepsAreCentredOnTheGeneWithTheGivenSpread() {
        LocalGaussianMutator<Double> mutator = new LocalGaussianMutator<>(1, 0.1);
        SplittableRandom random = new SplittableRandom(3);
        for (double value : new double[]{0.3, 0.5, 0.7}) {
            double[] m = moments(v -> mutator.mutate(DoubleGene.of(v, 0, 1), random).doubleValue(), value);
            assertEquals(value, m[0], 0.005, "mean around " + value); // s.e. of the mean: 0.1 / sqrt(20000) = 0.0007
            assertEquals(0.1, m[1], 0.005, "spread around " + value);
        }
        // At the edges the step is clamped into [0, 1)
        double[] edge = moments(v -> mutator.mutate(DoubleGene.of(v, 0, 1), random).doubleValue(), 0.999);
        assertTrue(edge[0] < 0.999 && edge[0] > 0.9, "mean near the upper edge: " + edge[0]);
    }

    @Test
    void jeneticsGaussianMutatorIgnoresTheGenesValue() {
        // Jenetics 9 samples around the middle of the range whatever the gene holds: from 0.05 and from 0.95 alike.
        SplittableRandom random = new SplittableRandom(5);
        double low = moments(v -> jeneticsMutation(DoubleGene.of(v, 0, 1), random), 0.05)[0];
        double high = moments(v -> jeneticsMutation(DoubleGene.of(v, 0, 1), random), 0.95)[0];
        assertEquals(low, high, 0.02, "means from 0.05 and 0.95");
        assertEquals(0.5, low, 0.02);
    }

    /** Jenetics' GaussianMutator on one gene (its gene mutation is protected: called from a subclass). */
    private static double jeneticsMutation(DoubleGene gene, RandomGenerator random) {
        return new GaussianMutator<DoubleGene, Double>(1) {
            double once() {
                return mutate(gene, random).doubleValue();
            }
        }.once();
    }
}
