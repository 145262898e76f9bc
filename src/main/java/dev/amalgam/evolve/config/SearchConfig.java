package dev.amalgam.evolve.config;

import dev.amalgam.BadValueException;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/** A parsed search config ({@link SearchConfigYaml}); {@code file} anchors relative model paths. */
public record SearchConfig(GenomeSpec genome, List<TaskObjective> tasks, SearchSettings search,
                           EvaluationSettings evaluation, OutputSettings output, Path file) {
    public SearchConfig {
        Objects.requireNonNull(genome);
        Objects.requireNonNull(search);
        Objects.requireNonNull(evaluation);
        Objects.requireNonNull(output);
        Objects.requireNonNull(file);
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new BadValueException("tasks", "expected at least one task");
        }
        if (new HashSet<>(tasks.stream().map(TaskObjective::name).toList()).size() != tasks.size()) {
            throw new BadValueException("tasks", "a task is listed twice");
        }
        if (search.schedule() == Schedule.STEADY && !(evaluation.fitness() instanceof FitnessMode.Full)) {
            // racing and anchors compare the candidates of one generation; a steady schedule has no generations to compare
            throw new BadValueException("evaluation.fitness", evaluation.fitness().key() + " needs search.schedule: generational");
        }
    }

    /** The same config with its run folder named {@code runName} under {@code output.dir}. */
    public SearchConfig withRunName(String runName) {
        return new SearchConfig(genome, tasks, search, evaluation, new OutputSettings(output.dir(), runName), file);
    }

    /** The same config reading task datasets from {@code dataDir} ({@code amalgam evolve --data-dir}). */
    public SearchConfig withDataDir(Path dataDir) {
        return new SearchConfig(genome, tasks, search, evaluation.withDataDir(dataDir.toAbsolutePath().normalize()), output, file);
    }

    /** Sum of |weight| over the tasks: the fitness's denominator. */
    public double weightNorm() {
        return tasks.stream().mapToDouble(t -> Math.abs(t.weight())).sum();
    }

    /** The weighted objective: sum of weight x score / sum of |weight|. */
    public double fitness(double[] taskScores) {
        double f = 0;
        for (int i = 0; i < tasks.size(); i++) {
            f += tasks.get(i).weight() * taskScores[i];
        }
        return f / weightNorm();
    }
}
