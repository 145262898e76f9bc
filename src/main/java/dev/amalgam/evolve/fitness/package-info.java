/**
 * Cheaper fitness: the statistics that let a search score fewer items per candidate. {@link
 * dev.amalgam.evolve.fitness.Racing} scores a generation in blocks of items and stops scoring candidates that can no
 * longer reach the elite within a stated error; {@link dev.amalgam.evolve.fitness.AnchorItems} picks the few items
 * that best separate the candidates scored so far. Pure: per-item scores come in as numbers.
 *
 * <p>May depend on: nothing in Amalgam.
 */
package dev.amalgam.evolve.fitness;
