package dev.amalgam.eval;

import java.util.List;

/** Prepared tasks plus the groups to aggregate over them: the reusable input of {@link Evaluator#score}. */
public record PreparedSuite(List<PreparedTask> tasks, List<TaskGroup> groups) {
    public PreparedSuite {
        tasks = List.copyOf(tasks);
        groups = List.copyOf(groups);
    }

    /** Requests over all tasks. */
    public int requestCount() {
        return tasks.stream().mapToInt(t -> t.requests().size()).sum();
    }
}
