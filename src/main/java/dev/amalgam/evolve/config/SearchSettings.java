package dev.amalgam.evolve.config;

import dev.amalgam.BadValueException;

import java.time.Duration;

/**
 * The {@code search:} block.
 *
 * @param population        candidates per generation; 0 = the strategy's default
 * @param generations       generations after the initial one (generation 0)
 * @param maxEvaluations    stop after this many distinct evaluations; 0 = no limit
 * @param maxTime           stop after this much search time (checked between generations); null = no limit.
 *                          A time limit makes a run depend on the machine, so resume equality needs none.
 * @param seed              seeds every random choice of the strategy
 * @param steadyGenerations stop when the best fitness has not improved for this many generations; 0 = never
 * @param schedule          whole generations, or one candidate per free worker ({@link Schedule}). A steady run
 *                          scores population x (generations + 1) candidates, as many as a generational one, and its
 *                          "generation" k is the k-th run of population completed evaluations.
 */
public record SearchSettings(Strategy strategy, int population, int generations, int maxEvaluations, Duration maxTime,
                             long seed, int steadyGenerations, Schedule schedule) {
    public SearchSettings {
        if (strategy == null) {
            throw new BadValueException("search.strategy", "expected one of " + Strategy.keys());
        }
        if (schedule == null) {
            throw new BadValueException("search.schedule", "expected one of " + Schedule.keys());
        }
        if (population != 0 && population < 4) {
            throw new BadValueException("search.population", "expected at least 4 (or omit it for the default), got " + population);
        }
        if (generations < 0 || generations > 100_000) {
            throw new BadValueException("search.generations", "expected 0..100000, got " + generations);
        }
        if (maxEvaluations < 0) {
            throw new BadValueException("search.max_evaluations", "expected a positive count, got " + maxEvaluations);
        }
        if (maxTime != null && (maxTime.isNegative() || maxTime.isZero())) {
            throw new BadValueException("search.max_time", "expected a positive duration, got " + maxTime);
        }
        if (steadyGenerations < 0) {
            throw new BadValueException("search.steady_generations", "expected a positive count, got " + steadyGenerations);
        }
    }

    /** Settings with the generational schedule. */
    public SearchSettings(Strategy strategy, int population, int generations, int maxEvaluations, Duration maxTime,
                          long seed, int steadyGenerations) {
        this(strategy, population, generations, maxEvaluations, maxTime, seed, steadyGenerations, Schedule.GENERATIONAL);
    }

    /** The population actually used: the configured one, else 16 for ga/nsga2 and CMA-ES's 4 + 3 ln D. */
    public int populationFor(int genes) {
        if (population > 0) {
            return population;
        }
        return strategy == Strategy.CMAES ? 4 + (int) Math.floor(3 * Math.log(genes)) : 16;
    }
}
