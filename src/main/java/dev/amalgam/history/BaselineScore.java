package dev.amalgam.history;

/**
 * A held-out comparison row of {@code baselines.csv}: the exported candidate or a baseline recipe, its fitness with
 * the standard error, and per task the value and its standard error ([tasks] each).
 */
public record BaselineScore(String name, double fitness, double fitnessStderr, double[] tasks, double[] taskStderrs) {
    public BaselineScore {
        if (name == null || name.isBlank() || tasks.length != taskStderrs.length) {
            throw new IllegalArgumentException("a baseline needs a name and one stderr per task");
        }
        tasks = tasks.clone();
        taskStderrs = taskStderrs.clone();
    }

    @Override
    public double[] tasks() {
        return tasks.clone();
    }

    @Override
    public double[] taskStderrs() {
        return taskStderrs.clone();
    }
}
