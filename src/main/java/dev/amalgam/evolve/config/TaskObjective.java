package dev.amalgam.evolve.config;

import dev.amalgam.BadValueException;

/**
 * One entry of {@code tasks:}: an lm-eval task, its weight in the fitness (negative = minimise) and the metric read
 * from it. The metric is stored as the evaluator's key ({@code acc}); mergekit's {@code acc,none} spelling is
 * accepted by the parser.
 */
public record TaskObjective(String name, double weight, String metric) {
    public TaskObjective {
        if (name == null || name.isBlank()) {
            throw new BadValueException("tasks", "a task needs a non-empty name");
        }
        if (!Double.isFinite(weight) || weight == 0) {
            throw new BadValueException("tasks." + name + ".weight", "expected a finite non-zero number, got " + weight);
        }
        if (metric == null || metric.isBlank() || metric.contains(",")) {
            throw new BadValueException("tasks." + name + ".metric", "expected a metric key such as acc, got '" + metric + "'");
        }
    }
}
