package dev.amalgam.evolve.run;

import dev.amalgam.BadInputException;
import dev.amalgam.history.RunFiles;

import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.Schedule;
import dev.amalgam.evolve.config.SearchSettings;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.evolve.strategy.SearchStrategy;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.GenerationStats;
import dev.amalgam.history.Ranking;
import dev.amalgam.history.SearchJournal;

import java.util.ArrayList;
import java.util.List;

/**
 * The generation loop: runs a {@link SearchStrategy} through the {@link GenerationEvaluator}, journals each complete
 * generation and stops on the configured limits.
 *
 * <p>Resume is a replay: the strategy is rebuilt from the same seed and run from generation 0 while every journalled
 * genome is answered from the journal, so it reaches the last complete generation without scoring anything (checking
 * each replayed population against its checkpoint) and continues exactly as the uninterrupted run would have.
 */
public final class SearchRun {
    /** What the CLI shows. */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        /** A generation is about to be bred and scored ({@code generations}: the configured last generation). */
        default void generationStarted(int generation, int population, int generations) {
        }

        /** One more candidate of the current generation was scored. */
        default void candidateScored() {
        }

        default void generationDone(GenerationStats summary, boolean replayed) {
        }
    }

    /** The search's result: every distinct candidate in journal order, and the generations run. */
    public record Outcome(List<Candidate> candidates, int lastGeneration, String stopReason) {
        public Outcome {
            candidates = List.copyOf(candidates);
        }

        /** The candidates best first, by {@link Ranking#ranked}. */
        public List<Candidate> ranked() {
            return Ranking.ranked(candidates);
        }
    }

    private SearchRun() {
    }

    /** Runs the configured schedule: this generation loop, or the {@link SteadyRun steady} one. */
    public static Outcome run(SearchConfig config, Genome genome, BatchEvaluator evaluator, SearchJournal journal, Listener listener) {
        if (config.search().schedule() == Schedule.STEADY) {
            return SteadyRun.run(config, genome, evaluator, journal, listener);
        }
        GenerationEvaluator eval = new GenerationEvaluator(genome, config, evaluator, journal::candidate, journal.candidates(),
                new GenerationEvaluator.Replay(journal.lastCompleteGeneration(), journal.dir().resolve(RunFiles.CANDIDATES)),
                listener::candidateScored);
        SearchSettings s = config.search();
        int population = s.populationFor(genome.size());
        SearchStrategy strategy = SearchStrategy.create(s.strategy(), genome.size(), population, s.seed(),
                genome.toUnit(genome.initialGuess()),
                config.tasks().stream().mapToDouble(t -> Math.signum(t.weight())).toArray());
        int lastComplete = journal.lastCompleteGeneration();
        double elapsedBefore = journal.elapsedSeconds();
        long sessionStart = System.nanoTime();
        double bestSoFar = Double.NEGATIVE_INFINITY;
        int steady = 0;
        for (int gen = 0; ; gen++) {
            boolean replay = gen <= lastComplete;
            listener.generationStarted(gen, population, s.generations());
            List<Candidate> pop = gen == 0 ? strategy.start(eval) : strategy.next(gen, eval);
            double elapsed = replay ? elapsedBefore : elapsedBefore + (System.nanoTime() - sessionStart) / 1e9;
            GenerationStats summary = GenerationStats.of(gen, eval.evaluationsThrough(gen), pop,
                    pop.stream().map(c -> genome.toUnit(c.genes())).toList(), elapsed);
            if (replay) {
                List<String> keys = pop.stream().map(Candidate::key).toList();
                if (!keys.equals(journal.populationKeys(gen))) {
                    throw new BadInputException(RunFiles.population(journal.dir(), gen) + ": cannot resume: the replayed population"
                            + " of generation " + gen + " differs from this checkpoint (was the journal edited, or the config or Amalgam changed?)");
                }
            } else {
                journal.generation(summary, pop);
            }
            listener.generationDone(summary, replay);
            if (summary.best() > bestSoFar + 1e-12) {
                bestSoFar = summary.best();
                steady = 0;
            } else {
                steady++;
            }
            String stop = null;
            if (gen >= s.generations()) {
                stop = "generations";
            } else if (s.maxEvaluations() > 0 && summary.evaluations() >= s.maxEvaluations()) {
                stop = "max_evaluations";
            } else if (s.maxTime() != null && elapsed >= s.maxTime().toMillis() / 1000.0) {
                stop = "max_time";
            } else if (s.steadyGenerations() > 0 && steady >= s.steadyGenerations()) {
                stop = "steady_generations";
            }
            if (stop != null) {
                return new Outcome(eval.all().stream().filter(c -> c.generation() <= summary.generation()).toList(), gen, stop);
            }
        }
    }

    /**
     * The candidates no other candidate dominates on the task objectives (each task's score times the sign of its
     * weight, so every objective is maximised), in the given order.
     */
    public static List<Candidate> paretoFront(List<Candidate> candidates, SearchConfig config) {
        List<Candidate> front = new ArrayList<>();
        for (Candidate a : candidates) {
            boolean dominated = false;
            for (Candidate b : candidates) {
                if (a != b && dominates(b, a, config)) {
                    dominated = true;
                    break;
                }
            }
            if (!dominated) {
                front.add(a);
            }
        }
        return front;
    }

    private static boolean dominates(Candidate a, Candidate b, SearchConfig config) {
        double[] ta = a.tasks();
        double[] tb = b.tasks();
        boolean better = false;
        for (int i = 0; i < ta.length; i++) {
            double sign = Math.signum(config.tasks().get(i).weight());
            if (sign * ta[i] < sign * tb[i]) {
                return false;
            }
            better |= sign * ta[i] > sign * tb[i];
        }
        return better;
    }
}
