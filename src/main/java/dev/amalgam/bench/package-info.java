/**
 * Benchmarks ({@code ./build bench}): merge, eval and evolve timings and memory as ratios against a baseline
 * measured in the same run, on synthetic Llama models it writes itself.
 *
 * <p>May depend on: any feature package but cli. Nothing depends on it but the tests (SyntheticLlama).
 */
package dev.amalgam.bench;
