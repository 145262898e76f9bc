package dev.amalgam.evolve.strategy;

import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.history.Candidate;

import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A search algorithm driven one generation at a time. All randomness comes from the strategy's own generator
 * seeded at construction, and scores only through the {@link UnitEvaluator}, so the same seed and the same
 * scores give the same sequence of generations (what resume relies on).
 */
public sealed interface SearchStrategy permits JeneticsSearch, CmaesSearch {
    /** Creates and evaluates generation 0; returns its population. */
    List<Candidate> start(UnitEvaluator evaluator);

    /** Breeds and evaluates {@code generation} (1, 2, ...) from the previous one; returns the new population. */
    List<Candidate> next(int generation, UnitEvaluator evaluator);

    /** The strategies' random generator, one algorithm for all of them, seeded (the run's seed, or a resume's). */
    static RandomGenerator generator(long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    /**
     * @param dims       genes
     * @param initial    CMA-ES's starting mean in the unit cube, [dims]
     * @param taskSigns  the sign of each task's weight (NSGA-II maximises sign x score), [tasks]
     */
    static SearchStrategy create(Strategy strategy, int dims, int population, long seed, double[] initial, double[] taskSigns) {
        return switch (strategy) {
            case GA -> new JeneticsSearch<>(GaOperators.genetic(), dims, population, seed);
            case NSGA2 -> new JeneticsSearch<>(GaOperators.nsga2(taskSigns), dims, population, seed);
            case CMAES -> new CmaesSearch(initial, population, seed);
        };
    }
}
