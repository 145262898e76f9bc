package dev.amalgam.report;

import dev.amalgam.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a report needs from one search folder {@code results/<run>/} (format: the journal contract shared
 * with {@code amalgam evolve}). Reads what is complete: whole rows and whole generations, so a running or killed
 * search can be reported; {@code heldout.csv} and {@code pareto.csv} are empty until the search writes them.
 */
record RunJournal(Path dir, RunConfig config, List<GenerationStats> generations, List<Candidate> candidates,
                  List<HeldoutScore> heldout, List<ParetoPoint> pareto) {
    static final String GENE = "gene:";
    static final String TASK = "task:";
    private static final List<String> GENERATION_COLUMNS = List.of("generation", "evaluations", "best", "mean",
            "median", "std", "p10", "p90", "diversity", "best_candidate_id", "elapsed_seconds");
    private static final List<String> CANDIDATE_COLUMNS = List.of("generation", "candidate_id", "genome_key",
            "fitness", "merge_seconds", "score_seconds", "seconds");
    private static final List<String> HELDOUT_COLUMNS = List.of("rank", "candidate_id", "search_fitness",
            "heldout_fitness");
    private static final List<String> PARETO_COLUMNS = List.of("candidate_id", "exported");

    RunJournal {
        generations = List.copyOf(generations);
        candidates = List.copyOf(candidates);
        heldout = List.copyOf(heldout);
        pareto = List.copyOf(pareto);
        if (generations.isEmpty()) {
            throw new IllegalArgumentException("a run journal needs at least one complete generation");
        }
    }

    /** Reads the journal in {@code dir}; bad or missing files throw {@link BadInputException} naming file and line. */
    static RunJournal read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": not a folder (expected a search folder results/<run>/)");
        }
        RunConfig config = RunConfig.read(dir.resolve("run.yaml"));
        List<GenerationStats> generations = readGenerations(dir.resolve("generations.csv"));
        JournalCsv candidateCsv = JournalCsv.read(dir.resolve("candidates.csv"), CANDIDATE_COLUMNS);
        List<Candidate> candidates = readCandidates(candidateCsv);
        Map<String, Candidate> byId = new HashMap<>();
        for (int row = 0; row < candidates.size(); row++) {
            if (byId.put(candidates.get(row).id(), candidates.get(row)) != null) {
                throw candidateCsv.cellError(row, "candidate_id", "'" + candidates.get(row).id()
                        + "' is logged twice");
            }
        }
        Path heldoutFile = dir.resolve("heldout.csv");
        List<HeldoutScore> heldout = Files.exists(heldoutFile) ? readHeldout(heldoutFile, byId) : List.of();
        Path paretoFile = dir.resolve("pareto.csv");
        List<ParetoPoint> pareto = Files.exists(paretoFile) ? readPareto(paretoFile, byId) : List.of();
        return new RunJournal(dir, config, generations, candidates, heldout, pareto);
    }

    private static List<GenerationStats> readGenerations(Path file) {
        JournalCsv csv = JournalCsv.read(file, GENERATION_COLUMNS);
        if (csv.rows() == 0) {
            throw new BadInputException(file + " line 2: no complete generation yet (only the header)");
        }
        List<GenerationStats> out = new ArrayList<>();
        for (int row = 0; row < csv.rows(); row++) {
            int generation = csv.integer(row, "generation");
            if (!out.isEmpty() && generation <= out.getLast().generation()) {
                throw csv.cellError(row, "generation", generation + " does not follow " + out.getLast().generation());
            }
            out.add(new GenerationStats(generation, csv.integer(row, "evaluations"), csv.number(row, "best"),
                    csv.number(row, "mean"), csv.number(row, "median"), csv.number(row, "std"),
                    csv.number(row, "p10"), csv.number(row, "p90"), csv.number(row, "diversity"),
                    csv.text(row, "best_candidate_id"), prefixed(csv, row, TASK),
                    csv.number(row, "elapsed_seconds")));
        }
        return out;
    }

    private static List<Candidate> readCandidates(JournalCsv csv) {
        if (csv.columnsStartingWith(GENE).isEmpty()) {
            throw new BadInputException(csv.file() + " line 1: no gene columns (expected gene:<name> columns)");
        }
        List<Candidate> out = new ArrayList<>();
        for (int row = 0; row < csv.rows(); row++) {
            out.add(new Candidate(csv.integer(row, "generation"), csv.text(row, "candidate_id"),
                    csv.text(row, "genome_key"), prefixed(csv, row, GENE), prefixed(csv, row, TASK),
                    csv.number(row, "fitness"), csv.number(row, "merge_seconds"), csv.number(row, "score_seconds"),
                    csv.number(row, "seconds")));
        }
        return out;
    }

    private static List<HeldoutScore> readHeldout(Path file, Map<String, Candidate> byId) {
        JournalCsv csv = JournalCsv.read(file, HELDOUT_COLUMNS);
        List<HeldoutScore> out = new ArrayList<>();
        for (int row = 0; row < csv.rows(); row++) {
            String id = knownCandidate(csv, row, byId);
            out.add(new HeldoutScore(csv.integer(row, "rank"), id, csv.number(row, "search_fitness"),
                    csv.number(row, "heldout_fitness"), prefixed(csv, row, TASK)));
        }
        out.sort(Comparator.comparingInt(HeldoutScore::rank));
        return out;
    }

    private static List<ParetoPoint> readPareto(Path file, Map<String, Candidate> byId) {
        JournalCsv csv = JournalCsv.read(file, PARETO_COLUMNS);
        List<ParetoPoint> out = new ArrayList<>();
        for (int row = 0; row < csv.rows(); row++) {
            out.add(new ParetoPoint(knownCandidate(csv, row, byId), prefixed(csv, row, TASK),
                    csv.bool(row, "exported")));
        }
        return out;
    }

    private static String knownCandidate(JournalCsv csv, int row, Map<String, Candidate> byId) {
        String id = csv.text(row, "candidate_id");
        if (!byId.containsKey(id)) {
            throw csv.cellError(row, "candidate_id", "'" + id + "' is not in candidates.csv");
        }
        return id;
    }

    /** The numeric cells of one row whose column starts with {@code prefix}, keyed by the rest of the name. */
    private static Map<String, Double> prefixed(JournalCsv csv, int row, String prefix) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String column : csv.columnsStartingWith(prefix)) {
            out.put(column.substring(prefix.length()), csv.number(row, column));
        }
        return out;
    }

    String name() {
        return dir.toAbsolutePath().normalize().getFileName().toString();
    }

    Candidate candidate(String id) {
        return candidates.stream().filter(c -> c.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no candidate " + id));
    }

    /** The candidate with the highest search fitness (NaN fitness never wins). */
    Candidate bestBySearch() {
        return candidates.stream().filter(c -> !Double.isNaN(c.fitness()))
                .max(Comparator.comparingDouble(Candidate::fitness))
                .orElseThrow(() -> new BadInputException(dir.resolve("candidates.csv")
                        + ": no candidate with a fitness yet"));
    }

    /** The held-out row with the highest held-out fitness, once the search re-scored its top candidates. */
    Optional<HeldoutScore> bestByHeldout() {
        return heldout.stream().filter(h -> !Double.isNaN(h.heldoutFitness()))
                .max(Comparator.comparingDouble(HeldoutScore::heldoutFitness));
    }

    /**
     * The candidate the search exports as {@code best.yaml}: the Pareto front's marked one for NSGA-II, else the
     * best held-out one if re-scored, else the best on the search split.
     */
    Candidate exported() {
        Optional<String> marked = pareto.stream().filter(ParetoPoint::exported).map(ParetoPoint::candidateId)
                .findFirst();
        return candidate(marked.or(() -> bestByHeldout().map(HeldoutScore::candidateId))
                .orElseGet(() -> bestBySearch().id()));
    }
}
