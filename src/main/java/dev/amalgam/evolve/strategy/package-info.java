/**
 * The search strategies: Jenetics GA and NSGA-II, CMA-ES. They search the unit cube, draw every random number
 * from their own seeded generator and get scores only through a {@link dev.amalgam.evolve.strategy.UnitEvaluator},
 * so a seed and the scores fix the sequence of generations (what resume relies on).
 *
 * <p>May depend on: evolve.config (the strategy names), history (the Candidate record), Jenetics.
 */
package dev.amalgam.evolve.strategy;
