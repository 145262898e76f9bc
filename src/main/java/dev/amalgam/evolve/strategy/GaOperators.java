package dev.amalgam.evolve.strategy;

import dev.amalgam.history.Candidate;
import io.jenetics.Alterer;
import io.jenetics.DoubleGene;
import io.jenetics.EliteSelector;
import io.jenetics.IntermediateCrossover;
import io.jenetics.Selector;
import io.jenetics.TournamentSelector;
import io.jenetics.TruncationSelector;
import io.jenetics.ext.moea.NSGA2Selector;
import io.jenetics.ext.moea.Vec;

import java.util.function.Function;

/**
 * The Jenetics operators of the GA and of NSGA-II, shared by the generational engine ({@link JeneticsSearch}) and the
 * steady-state one ({@link SteadyGenetic}), so both schedules breed alike.
 *
 * <p>GA defaults: elitism of 2 plus tournament(3) survivors, tournament(3) offspring selection,
 * {@link IntermediateCrossover} (p 0.5) and Gaussian steps from the gene's value ({@link LocalGaussianMutator}, p 0.15,
 * sigma 0.25 of the range, as Jenetics' GaussianMutator did in older versions). Measured on the synthetic 36-gene
 * problem of the tests (population 16, 15 generations, mean final best over 10 seeds, initial 0.9212), with Jenetics
 * 9's mutator (a fresh value per mutated gene): intermediate 0.9643, line 0.9630, mean alterer 0.9619, mutation
 * 0.05 / 0.4: 0.9632 / 0.9642, no elitism 0.9608. On the demo (seeds 42-45, held-out), sigma 0.25 and 0.1 gave 0.597 and
 * 0.589 against 0.600 with Jenetics 9's mutator: the mutation's shape barely matters there either.
 *
 * @param fitness    a candidate's fitness as the engine sees it (a failed candidate's NaN becomes the worst value)
 * @param offspring  picks the parents
 * @param survivors  the generational engine's survivors
 * @param truncation the steady-state population's ranking: keeps the best {@code population} (GA: by fitness;
 *                   NSGA-II: by Pareto rank, then crowding distance)
 * @param <C>        the fitness type: Double (GA) or a task-score Vec (NSGA-II)
 */
record GaOperators<C extends Comparable<? super C>>(Function<Candidate, C> fitness, Selector<DoubleGene, C> offspring,
                                                    Selector<DoubleGene, C> survivors, Selector<DoubleGene, C> truncation) {
    static final int ELITES = 2;
    static final int TOURNAMENT = 3;
    static final double CROSSOVER = 0.5;
    static final double MUTATION = 0.15;
    static final double SIGMA = 0.25; // a mutation step's standard deviation, as a share of the gene's range

    static GaOperators<Double> genetic() {
        return new GaOperators<>(c -> Double.isNaN(c.fitness()) ? Double.NEGATIVE_INFINITY : c.fitness(),
                new TournamentSelector<>(TOURNAMENT), new EliteSelector<DoubleGene, Double>(ELITES, new TournamentSelector<>(TOURNAMENT)),
                new TruncationSelector<>());
    }

    /** NSGA-II: task scores as a Vec (negated for negative weights, so every objective is maximised). */
    static GaOperators<Vec<double[]>> nsga2(double[] signs) {
        return new GaOperators<>(c -> Vec.of(signed(c.tasks(), signs)), new TournamentSelector<>(TOURNAMENT),
                NSGA2Selector.ofVec(), NSGA2Selector.ofVec());
    }

    /** Crossover, then mutation. */
    Alterer<DoubleGene, C> alterer() {
        IntermediateCrossover<DoubleGene, C> crossover = new IntermediateCrossover<>(CROSSOVER);
        LocalGaussianMutator<C> mutator = new LocalGaussianMutator<>(MUTATION, SIGMA);
        return crossover.andThen(mutator);
    }

    private static double[] signed(double[] scores, double[] signs) {
        double[] out = new double[scores.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = signs[i] * scores[i];
        }
        return out;
    }
}
