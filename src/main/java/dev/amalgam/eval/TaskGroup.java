package dev.amalgam.eval;

import dev.amalgam.BadValueException;

import java.nio.file.Path;
import java.util.List;

/**
 * A {@code group} of tasks whose metrics are aggregated: micro-averaged over documents when
 * {@code weightBySize} (lm-eval's {@code weight_by_size: true}, as MMLU), else a plain mean of task scores.
 */
public record TaskGroup(String name, Path file, List<TaskDefinition> tasks, boolean weightBySize) {
    public TaskGroup {
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new BadValueException("task", "group " + name + " has no tasks");
        }
    }
}
