package dev.amalgam.recipe;

/**
 * Where a parameter is set in a recipe, so the planner can check names and types against the merge
 * method and report errors as {@code <file>: <keyPath>: ...}.
 *
 * @param keyPath  e.g. {@code models[1].parameters.weight} or {@code slices[0].parameters.t}
 * @param perModel true at model / slice-source level, false at slice or top level
 */
public record ParameterSite(String keyPath, String name, ParameterValue value, boolean perModel) {
}
