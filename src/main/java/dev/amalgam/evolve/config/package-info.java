/**
 * The search config ({@code search-configs/*.yaml}, mergekit-evolve's format plus Amalgam's blocks) as validated
 * values: {@link dev.amalgam.evolve.config.SearchConfig} and its parts, read and written by
 * {@link dev.amalgam.evolve.config.SearchConfigYaml}. Reads no model files.
 *
 * <p>May depend on: the root package, recipe (model references), merge (method signatures, to validate the
 * genome block), safetensors (dtypes), llm (the scoring dtype option). Nothing else of evolve.
 */
package dev.amalgam.evolve.config;
