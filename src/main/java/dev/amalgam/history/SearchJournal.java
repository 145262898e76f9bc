package dev.amalgam.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.BadInputException;
import dev.amalgam.evolve.Candidate;
import dev.amalgam.evolve.CandidateScore;
import dev.amalgam.evolve.GenerationSummary;
import dev.amalgam.files.AtomicFile;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A search run's folder ({@code results/<run>/}), in the journal format shared with {@code amalgam report}:
 * {@code run.yaml}, {@code candidates.csv}, {@code generations.csv}, {@code population/gen-NNNN.json},
 * {@code heldout.csv}, {@code pareto.csv}, {@code best.yaml}. Tables are Tablesaw tables rewritten whole through
 * {@link AtomicFile} (temp file and rename) after each change, so a kill never leaves a torn row. Numbers are
 * written with {@link Double#toString}, which reads back to the identical double (resume re-uses them exactly).
 */
public final class SearchJournal {
    public static final String RUN = "run.yaml";
    public static final String CANDIDATES = "candidates.csv";
    public static final String GENERATIONS = "generations.csv";
    public static final String HELDOUT = "heldout.csv";
    public static final String PARETO = "pareto.csv";
    public static final String BEST = "best.yaml";
    public static final String BASELINES = "baselines.csv";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final List<String> genes;  // gene names, in genome order
    private final List<String> tasks;  // task names, in config order
    private final Table candidates;
    private final Table generations;

    private SearchJournal(Path dir, List<String> genes, List<String> tasks, Table candidates, Table generations) {
        this.dir = dir;
        this.genes = List.copyOf(genes);
        this.tasks = List.copyOf(tasks);
        this.candidates = candidates;
        this.generations = generations;
    }

    /** Starts a new run folder (which must not exist or be empty) with its {@code run.yaml}. */
    public static SearchJournal create(Path dir, String runYaml, List<String> genes, List<String> tasks) {
        try {
            if (Files.isDirectory(dir)) {
                try (var entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        throw new BadInputException(dir + ": run folder already exists; resume it with --resume " + dir + " or choose another output.run_name");
                    }
                }
            }
            Files.createDirectories(dir.resolve("population"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        AtomicFile.writeString(dir.resolve(RUN), runYaml);
        SearchJournal j = new SearchJournal(dir, genes, tasks, table(CANDIDATES, candidateHeader(genes, tasks)), table(GENERATIONS, generationHeader(tasks)));
        j.save(j.candidates, CANDIDATES);
        j.save(j.generations, GENERATIONS);
        return j;
    }

    /** Re-opens a run folder; rows of candidates.csv and generations.csv are kept as they are. */
    public static SearchJournal open(Path dir, List<String> genes, List<String> tasks) {
        Table c = read(dir.resolve(CANDIDATES), candidateHeader(genes, tasks));
        Table g = read(dir.resolve(GENERATIONS), generationHeader(tasks));
        return new SearchJournal(dir, genes, tasks, c, g);
    }

    public Path dir() {
        return dir;
    }

    private static List<String> candidateHeader(List<String> genes, List<String> tasks) {
        List<String> h = new ArrayList<>(List.of("generation", "candidate_id", "genome_key"));
        genes.forEach(g -> h.add("gene:" + g));
        tasks.forEach(t -> h.add("task:" + t));
        h.addAll(List.of("fitness", "merge_seconds", "score_seconds", "seconds"));
        return h;
    }

    private static List<String> generationHeader(List<String> tasks) {
        List<String> h = new ArrayList<>(List.of("generation", "evaluations", "best", "mean", "median", "std", "p10", "p90",
                "diversity", "best_candidate_id"));
        tasks.forEach(t -> h.add("task:" + t));
        h.add("elapsed_seconds");
        return h;
    }

    private static Table table(String name, List<String> header) {
        Table t = Table.create(name);
        header.forEach(h -> t.addColumns(StringColumn.create(h)));
        return t;
    }

    private static Table read(Path file, List<String> header) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read the journal (" + e.getMessage() + ")", e);
        }
        String first = text.lines().findFirst().orElse("");
        if (!Arrays.asList(first.split(",", -1)).equals(header)) {
            throw new BadInputException(file + ": header does not match the run's genes and tasks (expected " + String.join(",", header) + ")");
        }
        if (text.lines().count() <= 1) {
            return table(file.getFileName().toString(), header);
        }
        ColumnType[] types = new ColumnType[header.size()];
        Arrays.fill(types, ColumnType.STRING); // exact text: numbers are parsed by us, bit for bit
        try {
            Table t = Table.read().usingOptions(CsvReadOptions.builder(new StringReader(text)).columnTypes(types).tableName(file.getFileName().toString()));
            return t;
        } catch (RuntimeException e) {
            throw new BadInputException(file + ": not a valid journal CSV (" + e.getMessage() + ")", e);
        }
    }

    private void save(Table t, String file) {
        StringWriter out = new StringWriter();
        t.write().csv(out);
        String text = out.toString();
        if (t.rowCount() == 0) {
            text = String.join(",", t.columnNames()) + "\n"; // Tablesaw writes nothing for an empty table
        }
        AtomicFile.writeString(dir.resolve(file), text);
    }

    private static String num(double v) {
        return Double.toString(v);
    }

    private static String seconds(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** Appends one evaluated candidate and rewrites candidates.csv. */
    public synchronized void candidate(int generation, Candidate c, CandidateScore s) {
        List<String> row = new ArrayList<>(List.of(Integer.toString(generation), c.id(), c.key()));
        for (double g : c.genes()) {
            row.add(num(g));
        }
        for (double t : c.tasks()) {
            row.add(num(t));
        }
        row.addAll(List.of(num(c.fitness()), seconds(s.mergeSeconds()), seconds(s.scoreSeconds()),
                seconds(s.mergeSeconds() + s.scoreSeconds())));
        append(candidates, row);
        save(candidates, CANDIDATES);
    }

    private static void append(Table t, List<String> row) {
        for (int i = 0; i < row.size(); i++) {
            t.stringColumn(i).append(row.get(i));
        }
    }

    /** Every journalled candidate, in journal order. */
    public List<Candidate> candidates() {
        List<Candidate> out = new ArrayList<>();
        for (int r = 0; r < candidates.rowCount(); r++) {
            double[] g = new double[genes.size()];
            for (int i = 0; i < g.length; i++) {
                g[i] = Double.parseDouble(candidates.getString(r, "gene:" + genes.get(i)));
            }
            double[] t = new double[tasks.size()];
            for (int i = 0; i < t.length; i++) {
                t[i] = Double.parseDouble(candidates.getString(r, "task:" + tasks.get(i)));
            }
            out.add(new Candidate(candidates.getString(r, "candidate_id"), candidates.getString(r, "genome_key"), g, t,
                    Double.parseDouble(candidates.getString(r, "fitness"))));
        }
        return out;
    }

    /** The last generation with a row in generations.csv, or -1. */
    public int lastCompleteGeneration() {
        int n = generations.rowCount();
        return n == 0 ? -1 : Integer.parseInt(generations.getString(n - 1, "generation"));
    }

    /** elapsed_seconds of the last complete generation (0 if none). */
    public double elapsedSeconds() {
        int n = generations.rowCount();
        return n == 0 ? 0 : Double.parseDouble(generations.getString(n - 1, "elapsed_seconds"));
    }

    /** Records a complete generation: its population checkpoint first, then its generations.csv row. */
    public void generation(GenerationSummary s, List<Candidate> population) {
        ObjectNode root = JSON.createObjectNode();
        root.put("generation", s.generation());
        root.put("evaluations", s.evaluations());
        ArrayNode pop = root.putArray("population");
        for (Candidate c : population) {
            ObjectNode o = pop.addObject();
            o.put("candidate_id", c.id());
            o.put("genome_key", c.key());
            o.put("fitness", c.fitness());
            ObjectNode g = o.putObject("genes");
            double[] values = c.genes();
            for (int i = 0; i < values.length; i++) {
                g.put(genes.get(i), values[i]);
            }
        }
        AtomicFile.writeString(populationFile(s.generation()), root.toPrettyString());
        List<String> row = new ArrayList<>(List.of(Integer.toString(s.generation()), Integer.toString(s.evaluations()),
                num(s.bestFitness()), num(s.mean()), num(s.median()), num(s.std()), num(s.p10()), num(s.p90()), num(s.diversity()),
                s.best().id()));
        for (double t : s.best().tasks()) {
            row.add(num(t));
        }
        row.add(seconds(s.elapsedSeconds()));
        append(generations, row);
        save(generations, GENERATIONS);
    }

    private Path populationFile(int generation) {
        return dir.resolve("population").resolve(String.format(Locale.ROOT, "gen-%04d.json", generation));
    }

    /** The genome keys of a checkpointed population, in population order. */
    public List<String> populationKeys(int generation) {
        try {
            JsonNode root = JSON.readTree(populationFile(generation).toFile());
            List<String> keys = new ArrayList<>();
            root.get("population").forEach(p -> keys.add(p.get("genome_key").asText()));
            return keys;
        } catch (IOException e) {
            throw new BadInputException(populationFile(generation) + ": cannot read the population checkpoint (" + e.getMessage() + ")", e);
        }
    }

    /** One re-scored candidate of heldout.csv. */
    public record HeldoutRow(int rank, Candidate candidate, double heldoutFitness, double[] heldoutTasks) {
    }

    public void heldout(List<HeldoutRow> rows) {
        List<String> header = new ArrayList<>(List.of("rank", "candidate_id", "search_fitness", "heldout_fitness"));
        tasks.forEach(t -> header.add("task:" + t));
        Table t = table(HELDOUT, header);
        for (HeldoutRow r : rows) {
            List<String> row = new ArrayList<>(List.of(Integer.toString(r.rank()), r.candidate().id(), num(r.candidate().fitness()), num(r.heldoutFitness())));
            for (double v : r.heldoutTasks()) {
                row.add(num(v));
            }
            append(t, row);
        }
        save(t, HELDOUT);
    }

    /** The held-out rows, best first, as (candidate id, held-out fitness); empty if the run was not re-scored. */
    public List<String[]> heldoutRanking() {
        Path file = dir.resolve(HELDOUT);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String> header = new ArrayList<>(List.of("rank", "candidate_id", "search_fitness", "heldout_fitness"));
        tasks.forEach(t -> header.add("task:" + t));
        Table t = read(file, header);
        List<String[]> out = new ArrayList<>();
        for (int r = 0; r < t.rowCount(); r++) {
            out.add(new String[]{t.getString(r, "candidate_id"), t.getString(r, "heldout_fitness")});
        }
        return out;
    }

    public void pareto(List<Candidate> front, String exportedId) {
        List<String> header = new ArrayList<>(List.of("candidate_id"));
        tasks.forEach(t -> header.add("task:" + t));
        header.add("exported");
        Table t = table(PARETO, header);
        for (Candidate c : front) {
            List<String> row = new ArrayList<>(List.of(c.id()));
            for (double v : c.tasks()) {
                row.add(num(v));
            }
            row.add(Boolean.toString(c.id().equals(exportedId)));
            append(t, row);
        }
        save(t, PARETO);
    }

    /** A held-out comparison row: fitness with its standard error, per task value and stderr ([tasks] each). */
    public record BaselineRow(String name, double fitness, double fitnessStderr, double[] tasks, double[] taskStderrs) {
    }

    /** {@code baselines.csv}: {@code name,heldout_fitness,heldout_stderr,task:<t>,stderr:<t>...}. */
    public void baselines(List<BaselineRow> rows) {
        List<String> header = new ArrayList<>(List.of("name", "heldout_fitness", "heldout_stderr"));
        tasks.forEach(t -> header.add("task:" + t));
        tasks.forEach(t -> header.add("stderr:" + t));
        Table t = table(BASELINES, header);
        for (BaselineRow r : rows) {
            List<String> row = new ArrayList<>(List.of(r.name(), num(r.fitness()), num(r.fitnessStderr())));
            for (double v : r.tasks()) {
                row.add(num(v));
            }
            for (double v : r.taskStderrs()) {
                row.add(num(v));
            }
            append(t, row);
        }
        save(t, BASELINES);
    }

    public void best(String recipeYaml) {
        AtomicFile.writeString(dir.resolve(BEST), recipeYaml);
    }
}
