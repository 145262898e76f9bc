package dev.amalgam.evolve.run;

import dev.amalgam.evolve.config.SearchConfig;

/**
 * Where a search's candidates are scored: in the search's own process ({@link #LOCAL}), or elsewhere, e.g. on the
 * workers of a cluster, which are told the resolved config and score with the same code.
 */
@FunctionalInterface
public interface ScoringSite {
    ScoringSite LOCAL = (config, allowTestSplit, local) -> local;

    /**
     * @param local this process's evaluator (a site may use it besides its own, or not at all)
     * @return the evaluator the search calls
     */
    BatchEvaluator evaluator(SearchConfig config, boolean allowTestSplit, BatchEvaluator local);
}
