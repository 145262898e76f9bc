package dev.amalgam.eval;

import java.nio.file.Path;
import java.util.Optional;

/** Paths of the shared fixtures and the shipped task folder, relative to the worktree root (Maven's working dir). */
final class EvalFixtures {
    static final Path DATA = Path.of("../shared/fixtures/eval");
    static final Path MODEL = Path.of("../shared/fixtures/stories260K/hf");
    static final Path TASKS = Path.of("eval-tasks");

    private EvalFixtures() {
    }

    static TaskRegistry shippedTasks() {
        return TaskRegistry.scan(TASKS, Optional.of(DATA));
    }
}
