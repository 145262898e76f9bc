package dev.amalgam.eval;

import java.util.List;
import java.util.Map;

/** A group's aggregated metrics over its tasks (the metrics all of them report). */
public record GroupResult(String name, List<String> tasks, boolean weightBySize, Map<String, MetricValue> metrics) {
    public GroupResult {
        tasks = List.copyOf(tasks);
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }

    /**
     * Weighted by size: lm-eval's micro-average with {@code pooled_sample_stderr}. Otherwise: the plain mean of task
     * values with the standard error of a mean of independent estimates, sqrt(sum se^2) / k.
     */
    static GroupResult aggregate(TaskGroup group, Map<String, TaskResult> results) {
        List<TaskResult> members = group.tasks().stream().map(t -> results.get(t.name())).toList();
        Map<String, MetricValue> metrics = new java.util.LinkedHashMap<>();
        for (String metric : members.getFirst().metrics().keySet()) {
            if (!members.stream().allMatch(r -> r.metrics().containsKey(metric))) {
                continue;
            }
            List<MetricValue> values = members.stream().map(r -> r.metrics().get(metric)).toList();
            int n = values.stream().mapToInt(MetricValue::n).sum();
            if (group.weightBySize()) {
                double mean = values.stream().mapToDouble(v -> v.value() * v.n()).sum() / n;
                double pooledVariance = values.stream().mapToDouble(v -> (v.n() - 1) * v.stderr() * v.stderr() * v.n()).sum() / (n - values.size());
                metrics.put(metric, new MetricValue(mean, Math.sqrt(pooledVariance / n), n));
            } else {
                double mean = values.stream().mapToDouble(MetricValue::value).average().orElseThrow();
                double se = Math.sqrt(values.stream().mapToDouble(v -> v.stderr() * v.stderr()).sum()) / values.size();
                metrics.put(metric, new MetricValue(mean, se, n));
            }
        }
        return new GroupResult(group.name(), group.tasks().stream().map(TaskDefinition::name).toList(), group.weightBySize(), metrics);
    }
}
