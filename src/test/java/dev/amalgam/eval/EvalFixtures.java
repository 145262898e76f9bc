package dev.amalgam.eval;

import dev.amalgam.Fixtures;

import java.nio.file.Path;
import java.util.Optional;

/** The shipped task folder (relative to the worktree root, Maven's working dir) over the shared eval data. */
final class EvalFixtures {
    static final Path TASKS = Path.of("eval-tasks");

    private EvalFixtures() {
    }

    static TaskRegistry shippedTasks() {
        return TaskRegistry.scan(TASKS, Optional.of(Fixtures.evalData()));
    }
}
