package dev.amalgam.merge;

import java.util.Map;

/**
 * Parameter values resolved for one output tensor (gradients and filters already evaluated at the
 * tensor's layer position and name; defaults filled in from the method's {@link ParameterSpec}s).
 * Values are Double or Boolean.
 */
public record ParameterValues(Map<String, Object> values) {
    public ParameterValues {
        values = Map.copyOf(values);
    }

    public static ParameterValues of(Map<String, Object> values) {
        return new ParameterValues(values);
    }

    public double number(String name) {
        Object v = values.get(name);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalStateException("parameter '" + name + "' is not a resolved number: " + v);
    }

    public boolean flag(String name) {
        Object v = values.get(name);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalStateException("parameter '" + name + "' is not a resolved boolean: " + v);
    }
}
