/**
 * mergekit merge recipes as values: {@link dev.amalgam.recipe.MergeRecipe} with its models, slices and parameter
 * values, parsed from and written to YAML. Says nothing about how a method merges.
 *
 * <p>May depend on: the root package, safetensors (dtypes).
 */
package dev.amalgam.recipe;
