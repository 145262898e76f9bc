package dev.amalgam.evolve.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The search algorithm of {@code search.strategy}. */
public enum Strategy {
    /** Jenetics genetic algorithm on the weighted fitness (the default). */
    GA,
    /** Jenetics NSGA-II with one objective per task; the run keeps the Pareto front. */
    NSGA2,
    /** CMA-ES on the weighted fitness (mergekit-evolve's optimiser, as a baseline). */
    CMAES;

    /** The YAML spelling ({@code ga}, {@code nsga2}, {@code cmaes}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(Strategy::key).toList();
    }
}
