package dev.amalgam.eval;

import java.util.List;
import java.util.Optional;

/** Results of one model on a suite, with scoring statistics. */
public record EvalReport(List<TaskResult> tasks, List<GroupResult> groups, Stats stats) {
    public EvalReport {
        tasks = List.copyOf(tasks);
        groups = List.copyOf(groups);
    }

    /** Requests scored, tokens run through the model (after sharing inputs), and wall time of scoring. */
    public record Stats(int requests, long tokens, double seconds) {
        public double requestsPerSecond() {
            return requests / seconds;
        }

        public double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    public Optional<TaskResult> task(String name) {
        return tasks.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<GroupResult> group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /** The value of {@code metric} for a group or task named {@code name} (a fitness for the search). */
    public double value(String name, String metric) {
        MetricValue value = group(name).map(g -> g.metrics().get(metric))
                .or(() -> task(name).map(t -> t.metrics().get(metric)))
                .orElseThrow(() -> new IllegalArgumentException("no metric " + metric + " for task or group " + name));
        return value.value();
    }
}
