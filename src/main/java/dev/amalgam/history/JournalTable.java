package dev.amalgam.history;

import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The journal's CSV tables and their columns, declared once for the writer ({@link SearchJournal}) and the reader
 * ({@link Journal}). A table is a list of fixed columns and column families: {@code gene:<name>} per gene in genome
 * order, {@code task:<name>} (and {@code stderr:<name>}) per task in config order.
 *
 * <p>In memory the tables are typed Tablesaw tables (int, double, string and boolean columns). Scores and genes
 * are written with {@link Double#toString}, which reads back to the identical double (a resume re-uses them bit
 * for bit, and a failed score is {@code NaN}); timings with four decimals.
 */
public enum JournalTable {
    CANDIDATES(RunFiles.CANDIDATES, List.of(fixed("generation", Kind.INTEGER), fixed("candidate_id", Kind.TEXT),
            fixed("genome_key", Kind.TEXT), family(JournalTable.GENE, Names.GENES), family(JournalTable.TASK, Names.TASKS),
            fixed("fitness", Kind.NUMBER), fixed("merge_seconds", Kind.SECONDS), fixed("score_seconds", Kind.SECONDS),
            fixed("seconds", Kind.SECONDS), added("worker", Kind.TEXT, Candidate.LOCAL), added("started_at", Kind.SECONDS, "NaN"),
            added("ended_at", Kind.SECONDS, "NaN"), added("failure", Kind.TEXT, ""), added("items_scored", Kind.INTEGER, "0"),
            added("tokens_scored", Kind.COUNT, "0"), added("partial", Kind.FLAG, "false"))),
    GENERATIONS(RunFiles.GENERATIONS, List.of(fixed("generation", Kind.INTEGER), fixed("evaluations", Kind.INTEGER),
            fixed("best", Kind.NUMBER), fixed("mean", Kind.NUMBER), fixed("median", Kind.NUMBER), fixed("std", Kind.NUMBER),
            fixed("p10", Kind.NUMBER), fixed("p90", Kind.NUMBER), fixed("diversity", Kind.NUMBER),
            fixed("best_candidate_id", Kind.TEXT), family(JournalTable.TASK, Names.TASKS),
            fixed("elapsed_seconds", Kind.SECONDS))),
    HELDOUT(RunFiles.HELDOUT, List.of(fixed("rank", Kind.INTEGER), fixed("candidate_id", Kind.TEXT),
            fixed("search_fitness", Kind.NUMBER), fixed("heldout_fitness", Kind.NUMBER),
            family(JournalTable.TASK, Names.TASKS))),
    PARETO(RunFiles.PARETO, List.of(fixed("candidate_id", Kind.TEXT), family(JournalTable.TASK, Names.TASKS),
            fixed("exported", Kind.FLAG))),
    BASELINES(RunFiles.BASELINES, List.of(fixed("name", Kind.TEXT), fixed("heldout_fitness", Kind.NUMBER),
            fixed("heldout_stderr", Kind.NUMBER), family(JournalTable.TASK, Names.TASKS),
            family(JournalTable.STDERR, Names.TASKS)));

    public static final String GENE = "gene:";
    public static final String TASK = "task:";
    public static final String STDERR = "stderr:";

    /** How a column is typed in memory and spelled in the file. */
    public enum Kind {
        INTEGER, TEXT, FLAG,
        /** A count that may pass 2^31 (tokens). */
        COUNT,
        /** A double written with {@link Double#toString} (exact round trip; NaN stays {@code NaN}). */
        NUMBER,
        /** A duration in seconds, written with four decimals. */
        SECONDS;

        Column<?> create(String name) {
            return switch (this) {
                case INTEGER -> IntColumn.create(name);
                case COUNT -> LongColumn.create(name);
                case TEXT -> StringColumn.create(name);
                case FLAG -> BooleanColumn.create(name);
                case NUMBER -> printed(DoubleColumn.create(name), Double::toString);
                case SECONDS -> printed(DoubleColumn.create(name), v -> String.format(Locale.ROOT, "%.4f", v));
            };
        }

        private static DoubleColumn printed(DoubleColumn column, java.util.function.DoubleFunction<String> print) {
            // Tablesaw's default prints a missing (NaN) double as an empty cell; the journal spells it NaN.
            column.setPrintFormatter(new NumberColumnFormatter("NaN") {
                @Override
                public String format(double value) {
                    return print.apply(value);
                }
            });
            return column;
        }
    }

    /** Which names a column family repeats over. */
    enum Names { GENES, TASKS }

    /**
     * A fixed column, or a family {@code prefix<name>} of NUMBER columns over the genes or the tasks. A column added
     * after version 0.1 has the value older journals are read with ({@code olderValue}); null for an original one.
     */
    record Part(String name, Kind kind, Names family, String olderValue) {
    }

    private static Part fixed(String name, Kind kind) {
        return new Part(name, kind, null, null);
    }

    private static Part added(String name, Kind kind, String olderValue) {
        return new Part(name, kind, null, olderValue);
    }

    private static Part family(String prefix, Names names) {
        return new Part(prefix, Kind.NUMBER, names, null);
    }

    private final String file;
    private final List<Part> parts;

    JournalTable(String file, List<Part> parts) {
        this.file = file;
        this.parts = parts;
    }

    /** The file name in the run folder. */
    public String file() {
        return file;
    }

    /** The header for a run with these genes and tasks. */
    public List<String> header(List<String> genes, List<String> tasks) {
        List<String> header = new ArrayList<>();
        for (Part p : parts) {
            if (p.family() == null) {
                header.add(p.name());
            } else {
                (p.family() == Names.GENES ? genes : tasks).forEach(n -> header.add(p.name() + n));
            }
        }
        return header;
    }

    /** The fixed columns, which every file of this table must have whatever the genes and tasks (added ones aside). */
    List<String> fixedColumns() {
        return parts.stream().filter(p -> p.family() == null && p.olderValue() == null).map(Part::name).toList();
    }

    /** The columns added since 0.1, each with the cell text that stands for it in a journal written before it. */
    Map<String, String> addedColumns() {
        Map<String, String> added = new LinkedHashMap<>();
        parts.stream().filter(p -> p.olderValue() != null).forEach(p -> added.put(p.name(), p.olderValue()));
        return added;
    }

    /** The kind of a column of this table; null for a column the table does not declare. */
    Kind kindOf(String column) {
        for (Part p : parts) {
            if (p.family() == null ? p.name().equals(column) : column.startsWith(p.name())) {
                return p.kind();
            }
        }
        return null;
    }

    /** An empty typed table for a run with these genes and tasks. */
    Table create(List<String> genes, List<String> tasks) {
        Table t = Table.create(file);
        for (String column : header(genes, tasks)) {
            t.addColumns(kindOf(column).create(column));
        }
        return t;
    }

    /** Appends one row: {@code values} in header order, an Integer, Long, String, Boolean or Double per column kind. */
    static void append(Table table, List<?> values) {
        if (values.size() != table.columnCount()) {
            throw new IllegalArgumentException(table.name() + ": " + values.size() + " values for " + table.columnCount() + " columns");
        }
        for (int i = 0; i < values.size(); i++) {
            append(table.column(i), values.get(i));
        }
    }

    /** Appends one value, an Integer, String, Boolean or Double for an int, string, boolean or double column. */
    static void append(Column<?> column, Object value) {
        switch (column) {
            case IntColumn c -> c.append((Integer) value);
            case LongColumn c -> c.append((Long) value);
            case DoubleColumn c -> c.append((Double) value);
            case BooleanColumn c -> c.append((Boolean) value);
            case StringColumn c -> c.append((String) value);
            default -> throw new IllegalStateException("unexpected column " + column);
        }
    }
}
