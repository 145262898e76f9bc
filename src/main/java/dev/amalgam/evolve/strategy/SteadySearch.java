package dev.amalgam.evolve.strategy;

import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.history.Candidate;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A search driven one candidate at a time (the steady schedule): {@link #ask} whenever a worker is free, {@link #tell}
 * each result whenever it arrives, in any order and with any number of asks outstanding. All randomness comes from
 * the strategy's own seeded generator, so the same sequence of asks and tells gives the same proposals: a run with
 * one worker is reproducible; with several, the order in which results arrive decides.
 */
public sealed interface SteadySearch permits SteadyGenetic, CmaesSearch {
    /** The next point to score. */
    Proposal ask();

    /** The result of an earlier {@link #ask} ({@code scored}'s genes are the proposal's point on the genes' bounds). */
    void tell(Proposal asked, Candidate scored);

    /**
     * Resume: rebuilds the state from a run's journalled results, told in journal order (the journal is the only state:
     * results that were in flight when the run stopped are lost and asked anew). The random generator is then re-seeded
     * from the seed and the number of results, so a resume is reproducible, though not the continuation an
     * uninterrupted run would have had.
     *
     * @param units each candidate's point in the unit cube, [genes]
     */
    default void resume(List<double[]> units, List<Candidate> journalled) {
        for (int i = 0; i < units.size(); i++) {
            tell(new Proposal(-1, units.get(i)), journalled.get(i));
        }
        resumed(journalled.size());
    }

    /** The end of {@link #resume}: counts {@code results} asks as made and re-seeds the generator. */
    void resumed(int results);

    /** The current population (GA, NSGA-II) or the last λ results told (CMA-ES): what a generation row summarises. */
    List<Candidate> population();

    /** See {@link SearchStrategy#create}. */
    static SteadySearch create(Strategy strategy, int dims, int population, long seed, double[] initial, double[] taskSigns) {
        return switch (strategy) {
            case GA -> new SteadyGenetic<>(GaOperators.genetic(), dims, population, seed);
            case NSGA2 -> new SteadyGenetic<>(GaOperators.nsga2(taskSigns), dims, population, seed);
            case CMAES -> new CmaesSearch(initial, population, seed);
        };
    }

    /** The generator a resume after {@code results} results uses (its seed distinct per count, fixed per seed). */
    static RandomGenerator resumedGenerator(long seed, int results) {
        return SearchStrategy.generator(seed ^ (0x9E3779B97F4A7C15L * (results + 1L)));
    }
}
