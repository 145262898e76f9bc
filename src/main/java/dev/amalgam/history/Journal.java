package dev.amalgam.history;

import dev.amalgam.BadInputException;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A run folder's journal as read back: what {@code amalgam report}, {@code amalgam export} and a resume see. It
 * needs nothing but the CSV files (no model folders, no run.yaml): gene and task names come from the
 * {@code candidates.csv} header. It reads what is complete, whole rows and whole generations, so a running or
 * killed search can be read; {@code heldout.csv} and {@code pareto.csv} are empty until the search writes them.
 * Bad or missing files throw {@link BadInputException} naming the file, line and column.
 */
public final class Journal {
    private final Path dir;
    private final List<String> genes;
    private final List<String> tasks;
    private final Table candidateTable;
    private final Table generationTable;
    private final List<Candidate> candidates;
    private final List<GenerationStats> generations;
    private final List<HeldoutScore> heldout;
    private final List<ParetoPoint> pareto;

    private Journal(Path dir, JournalCsv candidateCsv, JournalCsv generationCsv, List<HeldoutScore> heldout,
                    List<ParetoPoint> pareto, List<Candidate> candidates, List<GenerationStats> generations) {
        this.dir = dir;
        this.genes = candidateCsv.family(JournalTable.GENE);
        this.tasks = candidateCsv.family(JournalTable.TASK);
        this.candidateTable = candidateCsv.table();
        this.generationTable = generationCsv.table();
        this.candidates = List.copyOf(candidates);
        this.generations = List.copyOf(generations);
        this.heldout = List.copyOf(heldout);
        this.pareto = List.copyOf(pareto);
    }

    public static Journal read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": not a folder (expected a search folder results/<run>/)");
        }
        JournalCsv generationCsv = JournalCsv.read(dir.resolve(RunFiles.GENERATIONS), JournalTable.GENERATIONS);
        JournalCsv candidateCsv = JournalCsv.read(dir.resolve(RunFiles.CANDIDATES), JournalTable.CANDIDATES);
        List<String> genes = candidateCsv.family(JournalTable.GENE);
        List<String> tasks = candidateCsv.family(JournalTable.TASK);
        if (genes.isEmpty()) {
            throw new BadInputException(candidateCsv.file() + " line 1: no gene columns (expected gene:<name> columns)");
        }
        List<Candidate> candidates = candidates(candidateCsv, genes, tasks);
        Set<String> ids = new HashSet<>();
        candidates.forEach(c -> ids.add(c.id()));
        List<GenerationStats> generations = generations(sameTasks(generationCsv, tasks));
        Path heldoutFile = dir.resolve(RunFiles.HELDOUT);
        List<HeldoutScore> heldout = Files.exists(heldoutFile)
                ? heldout(sameTasks(JournalCsv.read(heldoutFile, JournalTable.HELDOUT), tasks), ids) : List.of();
        Path paretoFile = dir.resolve(RunFiles.PARETO);
        List<ParetoPoint> pareto = Files.exists(paretoFile)
                ? pareto(sameTasks(JournalCsv.read(paretoFile, JournalTable.PARETO), tasks), ids) : List.of();
        return new Journal(dir, candidateCsv, generationCsv, heldout, pareto, candidates, generations);
    }

    private static JournalCsv sameTasks(JournalCsv csv, List<String> tasks) {
        if (!csv.family(JournalTable.TASK).equals(tasks)) {
            throw new BadInputException(csv.file() + " line 1: task columns " + csv.family(JournalTable.TASK)
                    + " differ from those of " + RunFiles.CANDIDATES + " " + tasks);
        }
        return csv;
    }

    private static double[] values(Table t, int row, String prefix, List<String> names) {
        double[] out = new double[names.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.doubleColumn(prefix + names.get(i)).getDouble(row);
        }
        return out;
    }

    private static List<Candidate> candidates(JournalCsv csv, List<String> genes, List<String> tasks) {
        Table t = csv.table();
        List<Candidate> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int row = 0; row < t.rowCount(); row++) {
            String id = t.stringColumn("candidate_id").get(row);
            if (!ids.add(id)) {
                throw csv.cellError(row, "candidate_id", "'" + id + "' is logged twice");
            }
            out.add(new Candidate(t.intColumn("generation").getInt(row), id, t.stringColumn("genome_key").get(row),
                    values(t, row, JournalTable.GENE, genes), values(t, row, JournalTable.TASK, tasks),
                    t.doubleColumn("fitness").getDouble(row), t.doubleColumn("merge_seconds").getDouble(row),
                    t.doubleColumn("score_seconds").getDouble(row), t.stringColumn("worker").get(row),
                    t.doubleColumn("started_at").getDouble(row), t.doubleColumn("ended_at").getDouble(row),
                    t.stringColumn("failure").get(row), new Candidate.Cost(t.intColumn("items_scored").getInt(row),
                    t.longColumn("tokens_scored").getLong(row), t.booleanColumn("partial").get(row))));
        }
        return out;
    }

    private static List<GenerationStats> generations(JournalCsv csv) {
        Table t = csv.table();
        List<String> tasks = csv.family(JournalTable.TASK);
        List<GenerationStats> out = new ArrayList<>();
        for (int row = 0; row < t.rowCount(); row++) {
            int generation = t.intColumn("generation").getInt(row);
            if (!out.isEmpty() && generation <= out.getLast().generation()) {
                throw csv.cellError(row, "generation", generation + " does not follow " + out.getLast().generation());
            }
            out.add(new GenerationStats(generation, t.intColumn("evaluations").getInt(row), t.doubleColumn("best").getDouble(row),
                    t.doubleColumn("mean").getDouble(row), t.doubleColumn("median").getDouble(row),
                    t.doubleColumn("std").getDouble(row), t.doubleColumn("p10").getDouble(row),
                    t.doubleColumn("p90").getDouble(row), t.doubleColumn("diversity").getDouble(row),
                    t.stringColumn("best_candidate_id").get(row), values(t, row, JournalTable.TASK, tasks),
                    t.doubleColumn("elapsed_seconds").getDouble(row)));
        }
        return out;
    }

    private static List<HeldoutScore> heldout(JournalCsv csv, Set<String> ids) {
        Table t = csv.table();
        List<String> tasks = csv.family(JournalTable.TASK);
        List<HeldoutScore> out = new ArrayList<>();
        for (int row = 0; row < t.rowCount(); row++) {
            out.add(new HeldoutScore(t.intColumn("rank").getInt(row), known(csv, row, ids),
                    t.doubleColumn("search_fitness").getDouble(row), t.doubleColumn("heldout_fitness").getDouble(row),
                    values(t, row, JournalTable.TASK, tasks)));
        }
        out.sort(Comparator.comparingInt(HeldoutScore::rank));
        return out;
    }

    private static List<ParetoPoint> pareto(JournalCsv csv, Set<String> ids) {
        Table t = csv.table();
        List<String> tasks = csv.family(JournalTable.TASK);
        List<ParetoPoint> out = new ArrayList<>();
        for (int row = 0; row < t.rowCount(); row++) {
            out.add(new ParetoPoint(known(csv, row, ids), values(t, row, JournalTable.TASK, tasks),
                    t.booleanColumn("exported").get(row)));
        }
        return out;
    }

    private static String known(JournalCsv csv, int row, Set<String> ids) {
        String id = csv.table().stringColumn("candidate_id").get(row);
        if (!ids.contains(id)) {
            throw csv.cellError(row, "candidate_id", "'" + id + "' is not in " + RunFiles.CANDIDATES);
        }
        return id;
    }

    public Path dir() {
        return dir;
    }

    /** Gene names in genome order (the {@code gene:} columns). */
    public List<String> genes() {
        return genes;
    }

    /** Task names in config order (the {@code task:} columns). */
    public List<String> tasks() {
        return tasks;
    }

    /** Every complete candidate row, in journal (evaluation) order. */
    public List<Candidate> candidates() {
        return candidates;
    }

    /** Every complete generation, in order; empty before generation 0 is complete. */
    public List<GenerationStats> generations() {
        return generations;
    }

    /** The held-out re-scores by rank; empty until the search has written them. */
    public List<HeldoutScore> heldout() {
        return heldout;
    }

    /** The final NSGA-II front; empty for other strategies and until the search has written it. */
    public List<ParetoPoint> pareto() {
        return pareto;
    }

    /** {@code candidates.csv} as a typed table (a copy): numbers in double columns, for aggregations. */
    public Table candidateTable() {
        return candidateTable.copy();
    }

    /** {@code generations.csv} as a typed table (a copy). */
    public Table generationTable() {
        return generationTable.copy();
    }

    public Optional<Candidate> candidate(String id) {
        return candidates.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    /** The candidates in {@link Ranking} order: rank 1 (the exported candidate) first. */
    public List<Candidate> ranking() {
        return Ranking.ranked(candidates);
    }

    /** The exported candidate ({@code best.yaml}); fails if no candidate is journalled yet. */
    public Candidate exported() {
        if (candidates.isEmpty()) {
            throw new BadInputException(dir.resolve(RunFiles.CANDIDATES) + ": no candidate evaluated yet");
        }
        return Ranking.exported(candidates);
    }
}
