package dev.amalgam.evolve.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How candidates are handed out ({@code search.schedule}). */
public enum Schedule {
    /**
     * Whole generations: a generation is bred, scored and journalled before the next is bred (the default). The same
     * seed gives the same journal whatever the number of workers and their speeds.
     */
    GENERATIONAL,
    /**
     * No generation barrier: whenever a worker is free the strategy proposes one more candidate from what has been
     * scored so far (steady-state GA or NSGA-II, asynchronous CMA-ES). Deterministic with one worker (or none); with
     * several, the journal depends on the order in which results arrive.
     */
    STEADY;

    /** The YAML spelling ({@code generational}, {@code steady}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(Schedule::key).toList();
    }
}
