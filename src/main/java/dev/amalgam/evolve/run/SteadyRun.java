package dev.amalgam.evolve.run;

import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchSettings;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.evolve.genome.GenomeKey;
import dev.amalgam.evolve.strategy.Proposal;
import dev.amalgam.evolve.strategy.SteadySearch;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.GenerationStats;
import dev.amalgam.history.SearchJournal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The steady schedule ({@code search.schedule: steady}): the evaluator {@link BatchEvaluator#stream streams} genomes,
 * asking this feed for one whenever a slot (a worker) is free, and each result is journalled and told to the
 * {@link SteadySearch} as it arrives, so no slot waits for a generation to drain.
 *
 * <p>Budget and rows: population x (generations + 1) distinct evaluations, as a generational run scores. The k-th
 * completed evaluation (0, 1, ...) is journalled as {@code g<k / population>-c<k % population>}, generation
 * k / population; after every population-th one a generation row and checkpoint summarise the strategy's current
 * population. A genome already scored is told from the cache (no evaluation); one in flight is asked anew.
 *
 * <p>Resume: the journal is the state. Its candidates pre-fill the cache and are told to a new strategy
 * ({@link SteadySearch#resume}); candidates in flight when the run stopped are lost and their budget is asked anew.
 */
final class SteadyRun implements BatchEvaluator.Feed {
    /** Asks in a row that only find scored genomes before the run stops (the strategy has converged). */
    static final int MAX_REPEATS = 10_000;

    private record InFlight(Proposal proposal, String key, double[] genes) {
    }

    private final SearchConfig config;
    private final SearchSettings settings;
    private final Genome genome;
    private final SearchJournal journal;
    private final SearchRun.Listener listener;
    private final SteadySearch strategy;
    private final int population;
    private final int budget;
    private final Map<String, Candidate> cache = new LinkedHashMap<>(); // by genome key, in journal order
    private final Map<Integer, InFlight> inFlight = new HashMap<>();     // by ticket
    private final Set<String> inFlightKeys = new HashSet<>();
    private final double elapsedBefore;
    private final long sessionStart = System.nanoTime();
    private int tickets;
    private int completed;
    private double bestSoFar = Double.NEGATIVE_INFINITY;
    private int sinceImprovement; // completed evaluations since the best improved
    private String stop;

    private SteadyRun(SearchConfig config, Genome genome, SearchJournal journal, SearchRun.Listener listener) {
        this.config = config;
        this.settings = config.search();
        this.genome = genome;
        this.journal = journal;
        this.listener = listener;
        this.population = settings.populationFor(genome.size());
        this.budget = population * (settings.generations() + 1);
        this.strategy = SteadySearch.create(settings.strategy(), genome.size(), population, settings.seed(),
                genome.toUnit(genome.initialGuess()), config.tasks().stream().mapToDouble(t -> Math.signum(t.weight())).toArray());
        this.elapsedBefore = journal.elapsedSeconds();
        List<Candidate> journalled = journal.candidates();
        for (Candidate c : journalled) {
            cache.put(c.key(), c);
            track(c);
        }
        strategy.resume(journalled.stream().map(c -> genome.toUnit(c.genes())).toList(), journalled);
        completed = journalled.size();
    }

    static SearchRun.Outcome run(SearchConfig config, Genome genome, BatchEvaluator evaluator, SearchJournal journal,
                                 SearchRun.Listener listener) {
        SteadyRun run = new SteadyRun(config, genome, journal, listener);
        int lastRow = journal.lastCompleteGeneration();
        if (run.completed > 0 && run.completed % run.population == 0 && lastRow < run.completed / run.population - 1) {
            run.generationRow(); // killed between a generation's last candidate and its row
        }
        run.checkLimits();
        if (run.stop == null) {
            listener.generationStarted(run.completed / run.population, run.population, run.settings.generations());
            evaluator.stream(run);
        }
        int last = Math.max(0, run.completed - 1) / run.population;
        return new SearchRun.Outcome(List.copyOf(run.cache.values()), last, run.stop == null ? "generations" : run.stop);
    }

    @Override
    public double[] next() {
        for (int repeats = 0; checkLimits() == null; repeats++) {
            if (repeats >= MAX_REPEATS) {
                stop = "converged";
                break;
            }
            Proposal p = strategy.ask();
            double[] genes = genome.fromUnit(p.unit());
            String key = GenomeKey.of(genes);
            Candidate known = cache.get(key);
            if (known != null) {
                strategy.tell(p, known);
            } else if (!inFlightKeys.contains(key)) {
                inFlight.put(tickets, new InFlight(p, key, genes));
                inFlightKeys.add(key);
                tickets++;
                return genes;
            }
        }
        return null;
    }

    @Override
    public void scored(int ticket, CandidateScore s) {
        InFlight f = inFlight.remove(ticket);
        inFlightKeys.remove(f.key());
        int k = completed++;
        int generation = k / population;
        Candidate c = new Candidate(generation, "g" + generation + "-c" + (k % population), f.key(), f.genes(), s.tasks(),
                config.fitness(s.tasks()), s.mergeSeconds(), s.scoreSeconds(), s.worker(), s.startedAt(), s.endedAt(), s.failure(),
                s.cost());
        cache.put(c.key(), c);
        journal.candidate(c);
        listener.candidateScored();
        strategy.tell(f.proposal(), c);
        track(c);
        if (completed % population == 0) {
            generationRow();
            if (completed < budget && checkLimits() == null) {
                listener.generationStarted(completed / population, population, settings.generations());
            }
        }
    }

    private void track(Candidate c) {
        if (c.fitness() > bestSoFar + 1e-12) {
            bestSoFar = c.fitness();
            sinceImprovement = 0;
        } else {
            sinceImprovement++;
        }
    }

    /** Journals the row of the generation that the last completed evaluation closed, with the current population. */
    private void generationRow() {
        List<Candidate> pop = strategy.population();
        GenerationStats summary = GenerationStats.of(completed / population - 1, completed, pop,
                pop.stream().map(c -> genome.toUnit(c.genes())).toList(), elapsed());
        journal.generation(summary, pop);
        listener.generationDone(summary, false);
    }

    private double elapsed() {
        return elapsedBefore + (System.nanoTime() - sessionStart) / 1e9;
    }

    /** Sets (and returns) why no more genomes are handed out, counting those in flight as spent. */
    private String checkLimits() {
        int spent = completed + inFlight.size();
        if (stop != null) {
            return stop;
        } else if (spent >= budget) {
            stop = "generations";
        } else if (settings.maxEvaluations() > 0 && spent >= settings.maxEvaluations()) {
            stop = "max_evaluations";
        } else if (settings.maxTime() != null && elapsed() >= settings.maxTime().toMillis() / 1000.0) {
            stop = "max_time";
        } else if (settings.steadyGenerations() > 0 && sinceImprovement >= settings.steadyGenerations() * population) {
            stop = "steady_generations";
        }
        return stop;
    }
}
