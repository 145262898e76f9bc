/**
 * The genome: the codec between a point of the search space and a merge recipe
 * ({@link dev.amalgam.evolve.genome.Genome}), genome keys, and the baseline recipes a result is compared with.
 * Pure: no file I/O; the models and their layer count come in as values (the run's {@code GenomeLoader} reads them).
 *
 * <p>May depend on: the root package, evolve.config, merge (method signatures), recipe.
 */
package dev.amalgam.evolve.genome;
