package dev.amalgam.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A parameter value as a mergekit recipe writes it: a scalar, a gradient over layer depth, a list
 * of non-numbers picked by depth, or a filter list choosing by tensor name. Evaluated per output
 * tensor with {@link #evaluate(String, double)} (mergekit's {@code evaluate_setting}).
 */
public sealed interface ParameterValue
        permits ParameterValue.Scalar, ParameterValue.Gradient, ParameterValue.ListValue, ParameterValue.Filtered {

    /**
     * The value for one tensor at layer position {@code t} in [0, 1] (see {@link LayerPosition}):
     * a Double, Boolean or String, or null when a filter list has no matching entry (the caller
     * then applies the method default).
     */
    Object evaluate(String tensorName, double t);

    /**
     * Every value this setting can evaluate to or interpolate between (gradient stops, filter
     * values, ...). Gradients interpolate inside the range of their stops, so checking the leaves
     * against a parameter's type and bounds checks every evaluation.
     */
    List<Object> leaves();

    static Scalar of(double value) {
        return new Scalar(value);
    }

    static Scalar of(boolean value) {
        return new Scalar(value);
    }

    /** A single value: Double, Boolean or String. */
    record Scalar(Object value) implements ParameterValue {
        public Scalar {
            if (!(value instanceof Double || value instanceof Boolean || value instanceof String)) {
                throw new IllegalArgumentException("scalar must be a Double, Boolean or String: " + value);
            }
        }

        @Override
        public Object evaluate(String tensorName, double t) {
            return value;
        }

        @Override
        public List<Object> leaves() {
            return List.of(value);
        }
    }

    /** Numbers spread evenly over depth and linearly interpolated: [v_0 ... v_{n-1}], n >= 1. */
    record Gradient(List<Double> values) implements ParameterValue {
        public Gradient {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("gradient needs at least one value");
            }
        }

        public static Gradient of(double... values) {
            List<Double> list = new ArrayList<>(values.length);
            for (double v : values) {
                list.add(v);
            }
            return new Gradient(list);
        }

        @Override
        public Double evaluate(String tensorName, double t) {
            int n = values.size();
            double s = t * (n - 1);
            int i = (int) Math.floor(s);
            double frac = s - i;
            return (1 - frac) * values.get(i) + frac * values.get(Math.min(i + 1, n - 1));
        }

        @Override
        public List<Object> leaves() {
            return List.copyOf(values);
        }
    }

    /** Non-numbers (Booleans or Strings) picked by depth: the element at floor(t * (n - 1)). */
    record ListValue(List<Object> values) implements ParameterValue {
        public ListValue {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("list value needs at least one element");
            }
            for (Object v : values) {
                if (!(v instanceof Boolean || v instanceof String)) {
                    throw new IllegalArgumentException("list value elements must be Boolean or String: " + v);
                }
            }
        }

        @Override
        public Object evaluate(String tensorName, double t) {
            return values.get((int) Math.floor(t * (values.size() - 1)));
        }

        @Override
        public List<Object> leaves() {
            return values;
        }
    }

    /** A filter list: the first entry whose filter is null, "*" or a substring of the tensor name wins. */
    record Filtered(List<FilterEntry> entries) implements ParameterValue {
        public Filtered {
            entries = List.copyOf(entries);
            if (entries.isEmpty()) {
                throw new IllegalArgumentException("filter list needs at least one entry");
            }
        }

        @Override
        public Object evaluate(String tensorName, double t) {
            for (FilterEntry e : entries) {
                if (e.matches(tensorName)) {
                    return e.value().evaluate(tensorName, t);
                }
            }
            return null;
        }

        @Override
        public List<Object> leaves() {
            List<Object> all = new ArrayList<>();
            for (FilterEntry e : entries) {
                all.addAll(e.value().leaves());
            }
            return List.copyOf(all);
        }
    }

    /**
     * One {@code {filter, value}} entry of a filter list.
     *
     * @param filter a substring of tensor names, "*" or null (matches everything)
     * @param value  a scalar, gradient or list value (not another filter list, as in mergekit)
     */
    record FilterEntry(String filter, ParameterValue value) {
        public FilterEntry {
            Objects.requireNonNull(value, "value");
            if (value instanceof Filtered) {
                throw new IllegalArgumentException("filter entries cannot nest filter lists");
            }
        }

        /** Plain substring matching, as mergekit does. */
        public boolean matches(String tensorName) {
            return filter == null || filter.equals("*") || tensorName.contains(filter);
        }
    }
}
