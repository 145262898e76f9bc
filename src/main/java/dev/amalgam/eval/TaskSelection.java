package dev.amalgam.eval;

import java.util.List;

/** Tasks to run, plus the groups (over some of them) whose aggregate is reported too. */
public record TaskSelection(List<TaskDefinition> tasks, List<TaskGroup> groups) {
    public TaskSelection {
        tasks = List.copyOf(tasks);
        groups = List.copyOf(groups);
    }

    /** Every task with {@code num_fewshot} replaced (the {@code --num-fewshot} option). */
    public TaskSelection withNumFewshot(int n) {
        return new TaskSelection(tasks.stream().map(t -> t.withNumFewshot(n)).toList(),
                groups.stream().map(g -> new TaskGroup(g.name(), g.file(), g.tasks().stream().map(t -> t.withNumFewshot(n)).toList(), g.weightBySize())).toList());
    }
}
