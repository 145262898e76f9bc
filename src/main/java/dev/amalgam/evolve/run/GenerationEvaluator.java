package dev.amalgam.evolve.run;

import dev.amalgam.BadInputException;
import java.nio.file.Path;

import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.evolve.genome.GenomeKey;
import dev.amalgam.evolve.strategy.UnitEvaluator;
import dev.amalgam.history.Candidate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The strategies' one entry to scoring: maps unit-cube points to genes, answers genomes it has seen from its cache
 * (identical genomes are never scored twice, also across a resume, whose journalled candidates pre-fill the cache),
 * sends the rest of a generation to the {@link BatchEvaluator} in one batch, and logs each new candidate.
 */
public final class GenerationEvaluator implements UnitEvaluator {
    private final Genome genome;
    private final SearchConfig config;
    private final BatchEvaluator evaluator;
    private final Consumer<Candidate> log;
    private final Map<String, Candidate> cache = new LinkedHashMap<>(); // by genome key, in journal order
    private final Map<Integer, Set<String>> keysByGeneration = new HashMap<>(); // first evaluated in that generation
    private final Runnable afterEach;
    private final Replay replay;

    /**
     * A resumed run's journal: generations up to {@code through} were complete, so replaying them must need no new
     * score; one that does means the journal no longer matches the run (edited, or another config or code).
     */
    public record Replay(int through, Path candidates) {
        public static final Replay NONE = new Replay(-1, null);
    }

    /**
     * @param log        receives each newly evaluated candidate (the journal)
     * @param journalled candidates of a resumed run, in journal order (pre-fill the cache)
     * @param replay     the generations a resume replays from the journal
     * @param afterEach  called after each candidate is scored (progress display)
     */
    public GenerationEvaluator(Genome genome, SearchConfig config, BatchEvaluator evaluator, Consumer<Candidate> log, List<Candidate> journalled,
                               Replay replay, Runnable afterEach) {
        this.genome = genome;
        this.config = config;
        this.evaluator = evaluator;
        this.log = log;
        this.replay = replay;
        this.afterEach = afterEach;
        for (Candidate c : journalled) {
            cache.put(c.key(), c);
            keysByGeneration.computeIfAbsent(c.generation(), g -> new HashSet<>()).add(c.key());
        }
    }

    /** Distinct candidates first evaluated in generations 0..{@code generation} (resume-proof: ignores journalled later ones). */
    public int evaluationsThrough(int generation) {
        return keysByGeneration.entrySet().stream().filter(e -> e.getKey() <= generation).mapToInt(e -> e.getValue().size()).sum();
    }

    /** Every distinct candidate so far, in journal order. */
    public List<Candidate> all() {
        return List.copyOf(cache.values());
    }

    /**
     * Scores unit-cube points for {@code generation}; returns one candidate per point, in order. A new candidate's
     * id is {@code g<generation>-c<i>} with i its position among the generation's new genomes, so a resumed
     * generation gives the genomes it still has to score the ids an uninterrupted run gives them.
     *
     * @param units points of the unit cube, each [genes]
     */
    @Override
    public List<Candidate> evaluate(int generation, List<double[]> units) {
        Set<String> ofGeneration = keysByGeneration.computeIfAbsent(generation, g -> new HashSet<>());
        Map<String, double[]> fresh = new LinkedHashMap<>(); // new to this generation, in call order
        List<String> keys = new ArrayList<>(units.size());
        for (double[] u : units) {
            double[] x = genome.fromUnit(u);
            String key = GenomeKey.of(x);
            keys.add(key);
            if (!cache.containsKey(key) || ofGeneration.contains(key)) {
                fresh.putIfAbsent(key, x);
            }
        }
        int prior = (int) ofGeneration.stream().filter(k -> !fresh.containsKey(k)).count();
        List<String> missingKeys = new ArrayList<>();
        List<double[]> missing = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        int position = prior;
        for (Map.Entry<String, double[]> e : fresh.entrySet()) {
            if (!cache.containsKey(e.getKey())) {
                missingKeys.add(e.getKey());
                missing.add(e.getValue());
                ids.add("g" + generation + "-c" + position);
            }
            position++;
        }
        if (!missing.isEmpty() && generation <= replay.through()) {
            // Checked before anything is scored or appended: the journal stays as it was.
            throw new BadInputException(replay.candidates() + ": cannot resume: replaying generation " + generation
                    + " asks for genome " + missingKeys.getFirst() + ", which the journal does not hold (was the journal edited,"
                    + " or the config or Amalgam changed?)");
        }
        if (!missing.isEmpty()) {
            evaluator.evaluate(generation, missing, (i, s) -> {
                Candidate c = new Candidate(generation, ids.get(i), missingKeys.get(i), missing.get(i), s.tasks(),
                        config.fitness(s.tasks()), s.mergeSeconds(), s.scoreSeconds(), s.worker(), s.startedAt(), s.endedAt(),
                        s.failure(), s.cost());
                cache.put(c.key(), c);
                ofGeneration.add(c.key());
                log.accept(c);
                afterEach.run();
            });
            for (String k : missingKeys) {
                if (!cache.containsKey(k)) {
                    throw new IllegalStateException("the batch evaluator returned no score for genome " + k);
                }
            }
        }
        return keys.stream().map(cache::get).toList();
    }
}
