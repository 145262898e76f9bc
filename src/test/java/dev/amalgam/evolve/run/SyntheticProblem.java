package dev.amalgam.evolve.run;

import dev.amalgam.evolve.config.EvaluationSettings;
import dev.amalgam.evolve.config.GenomeSpec;
import dev.amalgam.evolve.config.OutputSettings;
import dev.amalgam.evolve.config.Schedule;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchSettings;
import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.evolve.config.TaskObjective;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.safetensors.DType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * A model-free search problem: a dare_ties genome (3 models, 2 layer groups, filters [self_attn, mlp]: 36 genes)
 * whose two "tasks" score 1 - mean squared distance (in the unit cube) to a task's seeded target point.
 */
final class SyntheticProblem {
    final SearchConfig config;
    final Genome genome;
    final double[][] targets; // [tasks][genes], in the unit cube

    SyntheticProblem(Strategy strategy, int population, int generations, long seed, Path dir) {
        this(strategy, Schedule.GENERATIONAL, population, generations, seed, dir);
    }

    SyntheticProblem(Strategy strategy, Schedule schedule, int population, int generations, long seed, Path dir) {
        GenomeSpec spec = new GenomeSpec(List.of(new ModelRef("/m/ft-a"), new ModelRef("/m/ft-b"), new ModelRef("/m/ft-c")), "dare_ties",
                new ModelRef("/m/base"), null, 4, null, false, List.of("self_attn", "mlp"), false, DType.BF16);
        config = new SearchConfig(spec, List.of(new TaskObjective("a", 1, "acc"), new TaskObjective("b", 1, "acc")),
                new SearchSettings(strategy, population, generations, 0, (Duration) null, seed, 0, schedule),
                new EvaluationSettings(dir, null, 0, null, null, 0, "validation", "test", 0),
                new OutputSettings(dir, "run"), dir.resolve("search.yaml"));
        genome = new Genome(spec, spec.models(), spec.baseModel(), 8, seed, dir.resolve("search.yaml"));
        Random r = new Random(1234);
        targets = new double[2][genome.size()];
        for (double[] t : targets) {
            for (int i = 0; i < t.length; i++) {
                t[i] = 0.2 + 0.6 * r.nextDouble();
            }
        }
    }

    /** Scores the genes exactly (no model), with fixed fake timings. */
    BatchEvaluator evaluator() {
        return (genomes, results) -> {
            for (int k = 0; k < genomes.size(); k++) {
                double[] u = genome.toUnit(genomes.get(k));
                double[] scores = new double[targets.length];
                for (int t = 0; t < targets.length; t++) {
                    double sq = 0;
                    for (int i = 0; i < u.length; i++) {
                        sq += (u[i] - targets[t][i]) * (u[i] - targets[t][i]);
                    }
                    scores[t] = 1 - sq / u.length;
                }
                results.scored(k, new CandidateScore(scores, 0.001, 0.002));
            }
        };
    }
}
