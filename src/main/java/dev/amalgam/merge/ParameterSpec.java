package dev.amalgam.merge;

/**
 * One declared parameter of a merge method.
 *
 * @param name         the recipe key ({@code weight}, {@code density}, {@code t}, {@code normalize}, ...)
 * @param scope        global ({@code parameters:}) or per model ({@code models[i].parameters})
 * @param type         number or boolean
 * @param defaultValue the default (Double or Boolean), or null when the parameter is required
 * @param min          inclusive lower bound for numbers (or -infinity)
 * @param max          inclusive upper bound for numbers (or +infinity)
 * @param gene         the role the evolutionary search gives it, or {@link Gene#NONE}
 */
public record ParameterSpec(String name, Scope scope, Type type, Object defaultValue, double min, double max, Gene gene) {
    public ParameterSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("parameter name must not be blank");
        }
        if (defaultValue != null && type == Type.NUMBER && !(defaultValue instanceof Double)) {
            throw new IllegalArgumentException(name + ": number default must be a Double");
        }
        if (defaultValue != null && type == Type.BOOLEAN && !(defaultValue instanceof Boolean)) {
            throw new IllegalArgumentException(name + ": boolean default must be a Boolean");
        }
        if (min > max) {
            throw new IllegalArgumentException(name + ": min > max");
        }
    }

    public boolean required() {
        return defaultValue == null;
    }

    public static ParameterSpec number(String name, Scope scope, Double defaultValue, double min, double max, Gene gene) {
        return new ParameterSpec(name, scope, Type.NUMBER, defaultValue, min, max, gene);
    }

    public static ParameterSpec number(String name, Scope scope, Double defaultValue) {
        return number(name, scope, defaultValue, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Gene.NONE);
    }

    /** The required, unbounded per-model {@code weight} that the search tunes as a WEIGHT gene. */
    public static ParameterSpec modelWeight() {
        return number("weight", Scope.PER_MODEL, null, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Gene.WEIGHT);
    }

    public static ParameterSpec flag(String name, boolean defaultValue) {
        return new ParameterSpec(name, Scope.GLOBAL, Type.BOOLEAN, defaultValue,
                Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Gene.NONE);
    }

    public enum Scope { GLOBAL, PER_MODEL }

    public enum Type { NUMBER, BOOLEAN }

    /** What the evolutionary search may tune. */
    public enum Gene { NONE, WEIGHT, DENSITY, T }
}
