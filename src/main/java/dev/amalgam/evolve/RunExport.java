package dev.amalgam.evolve;

import dev.amalgam.BadInputException;
import dev.amalgam.history.SearchJournal;
import dev.amalgam.recipe.MergeRecipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code amalgam export}: the merge recipe of a run's rank-N candidate. Ranks follow the held-out fitness of the
 * re-scored top-k (rank 1 is {@code best.yaml}), then the other candidates by search fitness.
 */
public final class RunExport {
    /** The chosen candidate and its recipe (model paths absolute, {@code random_seed} the search seed). */
    public record Exported(Candidate candidate, int rank, int ranked, MergeRecipe recipe) {
    }

    private RunExport() {
    }

    public static Exported export(Path runDir, int rank) {
        Path runFile = runDir.resolve(SearchJournal.RUN);
        if (!Files.isRegularFile(runFile)) {
            throw new BadInputException(runDir + ": not a run folder (no " + SearchJournal.RUN + ")");
        }
        SearchConfig config = SearchConfigYaml.parseRun(runFile);
        Genome genome = Genome.of(config);
        SearchJournal journal = SearchJournal.open(runDir, EvolveJob.geneNames(genome), EvolveJob.taskNames(config));
        List<Candidate> ranking = ranking(journal);
        if (ranking.isEmpty()) {
            throw new BadInputException(runDir + ": the run has no evaluated candidates yet");
        }
        if (rank < 1 || rank > ranking.size()) {
            throw new BadInputException("--rank: expected 1.." + ranking.size() + " (candidates in " + runDir + "), got " + rank);
        }
        Candidate c = ranking.get(rank - 1);
        return new Exported(c, rank, ranking.size(), genome.decode(c.genes()));
    }

    static List<Candidate> ranking(SearchJournal journal) {
        Map<String, Candidate> byId = new HashMap<>();
        journal.candidates().forEach(c -> byId.put(c.id(), c));
        List<String[]> heldout = new ArrayList<>(journal.heldoutRanking());
        heldout.sort(Comparator.comparingDouble((String[] r) -> Double.parseDouble(r[1])).reversed()); // stable: ties keep search rank
        Set<Candidate> ordered = new LinkedHashSet<>();
        heldout.forEach(r -> ordered.add(byId.get(r[0])));
        List<Candidate> rest = new ArrayList<>(byId.values());
        rest.sort(Comparator.comparingDouble(Candidate::fitness).reversed().thenComparing(Candidate::id));
        ordered.addAll(rest);
        return List.copyOf(ordered);
    }
}
