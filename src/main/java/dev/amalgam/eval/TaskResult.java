package dev.amalgam.eval;

import java.util.List;
import java.util.Map;

/** A task's metrics (by metric key, in metric_list order) and its per-document results. */
public record TaskResult(String name, int numFewshot, Map<String, MetricValue> metrics, List<ItemResult> items) {
    public TaskResult {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
        items = List.copyOf(items);
    }

    /** The value of {@code metric} ({@code acc}, ...); fails if the task does not report it. */
    public double value(String metric) {
        MetricValue v = metrics.get(metric);
        if (v == null) {
            throw new IllegalArgumentException("task " + name + " has no metric " + metric + " (has " + metrics.keySet() + ")");
        }
        return v.value();
    }
}
