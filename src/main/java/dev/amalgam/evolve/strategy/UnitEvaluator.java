package dev.amalgam.evolve.strategy;

import dev.amalgam.history.Candidate;

import java.util.List;

/**
 * How a strategy gets scores: points of the unit cube in, evaluated candidates out, one per point and in order.
 * The run's implementation maps points onto the genes' bounds, caches genomes and journals new candidates.
 */
@FunctionalInterface
public interface UnitEvaluator {
    /** @param units points of the unit cube, each [genes] */
    List<Candidate> evaluate(int generation, List<double[]> units);
}
