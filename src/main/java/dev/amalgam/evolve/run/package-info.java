/**
 * A search run: {@link dev.amalgam.evolve.run.EvolveJob} (start, resume, held-out re-score, best.yaml, baselines),
 * the generation loop {@link dev.amalgam.evolve.run.SearchRun}, the cache and journal calls of
 * {@link dev.amalgam.evolve.run.GenerationEvaluator}, candidates merged in memory into one scoring model, task
 * scoring, and {@code amalgam export} ({@link dev.amalgam.evolve.run.RunExport}).
 *
 * <p>May depend on: everything below it: evolve.config, evolve.genome, evolve.strategy, history, eval, llm, merge,
 * arch, recipe, safetensors and the root package. Nothing depends on it but cli and bench.
 */
package dev.amalgam.evolve.run;
