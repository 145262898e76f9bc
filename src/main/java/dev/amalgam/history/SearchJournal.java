package dev.amalgam.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.BadInputException;
import dev.amalgam.files.AtomicFile;
import dev.amalgam.files.StagedDirectory;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a search run's folder ({@link RunFiles}, tables per {@link JournalTable}). {@code candidates.csv} and
 * {@code generations.csv} are typed Tablesaw tables rewritten whole through {@link AtomicFile} (temporary file and
 * rename) after each change, so a kill never leaves a torn row. A new run folder appears whole: it is built under a
 * hidden staging name and renamed. The journal holds the folder's {@link RunLock} until {@link #close}.
 */
public final class SearchJournal implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final RunLock lock;
    private final List<String> genes;  // gene names, in genome order
    private final List<String> tasks;  // task names, in config order
    private final Table candidates;
    private final Table generations;
    private final List<Candidate> logged = new ArrayList<>(); // journal order
    private int lastGeneration;
    private double elapsedSeconds;

    private SearchJournal(Path dir, RunLock lock, List<String> genes, List<String> tasks, Table candidates, Table generations) {
        this.dir = dir;
        this.lock = lock;
        this.genes = List.copyOf(genes);
        this.tasks = List.copyOf(tasks);
        this.candidates = candidates;
        this.generations = generations;
        int n = generations.rowCount();
        this.lastGeneration = n == 0 ? -1 : generations.intColumn("generation").getInt(n - 1);
        this.elapsedSeconds = n == 0 ? 0 : generations.doubleColumn("elapsed_seconds").getDouble(n - 1);
    }

    /**
     * Starts a new run folder (which must not exist or be empty) with its {@code run.yaml} and empty tables: all of it
     * is written in a {@link StagedDirectory} beside it and renamed, so a kill leaves either no run folder or one
     * that resumes. Staging folders of dead processes for the same name are removed first.
     */
    public static SearchJournal create(Path dir, String runYaml, List<String> genes, List<String> tasks) {
        RunLock lock = null;
        try {
            if (Files.isDirectory(dir)) {
                try (var entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        throw new BadInputException(dir + ": run folder already exists; resume it with --resume " + dir + " or choose another output.run_name");
                    }
                }
            }
            try (StagedDirectory staged = new StagedDirectory(dir)) {
                lock = RunLock.acquire(staged.path()); // the lock file's inode moves with the folder
                AtomicFile.writeString(staged.path().resolve(RunFiles.RUN), runYaml);
                writeEmptyTables(staged.path(), genes, tasks);
                staged.commit(); // replaces only an empty folder the user made for the run
            }
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot create " + dir, io);
            }
            throw (RuntimeException) e;
        }
        return new SearchJournal(dir, lock, genes, tasks, JournalTable.CANDIDATES.create(genes, tasks),
                JournalTable.GENERATIONS.create(genes, tasks));
    }

    /**
     * Re-opens a run folder of a run with these genes and tasks, after locking it; its rows are kept as they are. A run
     * killed before its tables existed (older versions wrote run.yaml first) resumes with empty tables.
     */
    public static SearchJournal open(Path dir, List<String> genes, List<String> tasks) {
        RunLock lock = RunLock.acquire(dir);
        try {
            if (!Files.exists(dir.resolve(RunFiles.CANDIDATES)) && !Files.exists(dir.resolve(RunFiles.GENERATIONS))) {
                writeEmptyTables(dir, genes, tasks);
            }
            Journal journal = Journal.read(dir);
            Table c = sameHeader(dir, journal.candidateTable(), JournalTable.CANDIDATES, genes, tasks);
            Table g = sameHeader(dir, journal.generationTable(), JournalTable.GENERATIONS, genes, tasks);
            SearchJournal j = new SearchJournal(dir, lock, genes, tasks, c, g);
            j.logged.addAll(journal.candidates());
            return j;
        } catch (IOException | RuntimeException e) {
            lock.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot open " + dir, io);
            }
            throw (RuntimeException) e;
        }
    }

    /** The population folder and the header-only candidates.csv and generations.csv of a run with no rows yet. */
    private static void writeEmptyTables(Path dir, List<String> genes, List<String> tasks) throws IOException {
        Files.createDirectories(dir.resolve(RunFiles.POPULATION));
        JournalCsv.write(dir.resolve(RunFiles.CANDIDATES), JournalTable.CANDIDATES.create(genes, tasks));
        JournalCsv.write(dir.resolve(RunFiles.GENERATIONS), JournalTable.GENERATIONS.create(genes, tasks));
    }

    /** Releases the run folder's lock. */
    @Override
    public void close() {
        lock.close();
    }

    private static Table sameHeader(Path dir, Table table, JournalTable schema, List<String> genes, List<String> tasks) {
        List<String> header = schema.header(genes, tasks);
        if (!table.columnNames().equals(header)) {
            throw new BadInputException(dir.resolve(schema.file()) + ": header does not match the run's genes and tasks (expected "
                    + String.join(",", header) + ")");
        }
        return table;
    }

    public Path dir() {
        return dir;
    }

    private void save(Table table) {
        JournalCsv.write(dir.resolve(table.name()), table);
    }

    /** Appends one evaluated candidate and rewrites candidates.csv. */
    public synchronized void candidate(Candidate c) {
        List<Object> row = new ArrayList<>(List.of(c.generation(), c.id(), c.key()));
        for (double g : c.genes()) {
            row.add(g);
        }
        for (double t : c.tasks()) {
            row.add(t);
        }
        row.addAll(List.of(c.fitness(), c.mergeSeconds(), c.scoreSeconds(), c.seconds(), c.worker(), c.startedAt(), c.endedAt(),
                c.failure(), c.cost().items(), c.cost().tokens(), c.cost().partial()));
        JournalTable.append(candidates, row);
        logged.add(c);
        save(candidates);
    }

    /** Every journalled candidate, in journal order. */
    public synchronized List<Candidate> candidates() {
        return List.copyOf(logged);
    }

    /** The last generation with a row in generations.csv, or -1. */
    public int lastCompleteGeneration() {
        return lastGeneration;
    }

    /** elapsed_seconds of the last complete generation (0 if none). */
    public double elapsedSeconds() {
        return elapsedSeconds;
    }

    /** Records a complete generation: its population checkpoint first, then its generations.csv row. */
    public void generation(GenerationStats s, List<Candidate> population) {
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
        AtomicFile.writeString(RunFiles.population(dir, s.generation()), root.toPrettyString());
        List<Object> row = new ArrayList<>(List.of(s.generation(), s.evaluations(), s.best(), s.mean(), s.median(), s.std(),
                s.p10(), s.p90(), s.diversity(), s.bestCandidateId()));
        for (double t : s.bestTasks()) {
            row.add(t);
        }
        row.add(s.elapsedSeconds());
        JournalTable.append(generations, row);
        save(generations);
        lastGeneration = s.generation();
        elapsedSeconds = s.elapsedSeconds();
    }

    /** The genome keys of a checkpointed population, in population order. */
    public List<String> populationKeys(int generation) {
        Path file = RunFiles.population(dir, generation);
        try {
            JsonNode root = JSON.readTree(file.toFile());
            List<String> keys = new ArrayList<>();
            root.get("population").forEach(p -> keys.add(p.get("genome_key").asText()));
            return keys;
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read the population checkpoint (" + e.getMessage() + ")", e);
        }
    }

    /** Writes {@code heldout.csv}: the re-scored top candidates, in rank order. */
    public void heldout(List<HeldoutScore> rows) {
        Table t = JournalTable.HELDOUT.create(genes, tasks);
        for (HeldoutScore r : rows) {
            List<Object> row = new ArrayList<>(List.of(r.rank(), r.candidateId(), r.searchFitness(), r.heldoutFitness()));
            for (double v : r.tasks()) {
                row.add(v);
            }
            JournalTable.append(t, row);
        }
        save(t);
    }

    /** Writes {@code pareto.csv}: the final front, the exported candidate marked. */
    public void pareto(List<Candidate> front, String exportedId) {
        Table t = JournalTable.PARETO.create(genes, tasks);
        for (Candidate c : front) {
            List<Object> row = new ArrayList<>(List.of(c.id()));
            for (double v : c.tasks()) {
                row.add(v);
            }
            row.add(c.id().equals(exportedId));
            JournalTable.append(t, row);
        }
        save(t);
    }

    /** Writes {@code baselines.csv}. */
    public void baselines(List<BaselineScore> rows) {
        Table t = JournalTable.BASELINES.create(genes, tasks);
        for (BaselineScore r : rows) {
            List<Object> row = new ArrayList<>(List.of(r.name(), r.fitness(), r.fitnessStderr()));
            for (double v : r.tasks()) {
                row.add(v);
            }
            for (double v : r.taskStderrs()) {
                row.add(v);
            }
            JournalTable.append(t, row);
        }
        save(t);
    }

    /** Writes {@code best.yaml}, the exported recipe. */
    public void best(String recipeYaml) {
        AtomicFile.writeString(dir.resolve(RunFiles.BEST), recipeYaml);
    }
}
