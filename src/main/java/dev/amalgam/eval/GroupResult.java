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
     * lm-eval's {@code aggregate_subtask_metrics}: weighted by size, the micro-average over documents; otherwise the
     * plain mean of task values. The standard error is lm-eval's {@code pooled_sample_stderr} over the real sizes
     * in both cases.
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
            double mean = group.weightBySize()
                    ? values.stream().mapToDouble(v -> v.value() * v.n()).sum() / n
                    : values.stream().mapToDouble(MetricValue::value).average().orElseThrow();
            // (size - 1) * stderr^2 * size is the task's sum of squared deviations; a one-document task adds 0.
            double pooledVariance = values.stream().filter(v -> v.n() > 1)
                    .mapToDouble(v -> (v.n() - 1) * v.stderr() * v.stderr() * v.n()).sum() / (n - values.size());
            metrics.put(metric, new MetricValue(mean, n > values.size() ? Math.sqrt(pooledVariance / n) : Double.NaN, n));
        }
        return new GroupResult(group.name(), group.tasks().stream().map(TaskDefinition::name).toList(), group.weightBySize(), metrics);
    }
}
