package dev.amalgam.history;

import dev.amalgam.BadInputException;
import dev.amalgam.files.AtomicFile;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.io.csv.CsvReadOptions;
import tech.tablesaw.io.csv.CsvWriteOptions;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One journal CSV as a typed Tablesaw table ({@link JournalTable} gives each column's type), read tolerantly: rows
 * count once complete, so an unterminated last line with fewer fields than the header is a row still being written
 * and is skipped (a report on a running search never sees a torn row). Every error names the file, the line and the
 * column. Writing is the reverse, through {@link AtomicFile}.
 */
final class JournalCsv {
    private final Path file;
    private final Table table;

    private JournalCsv(Path file, Table table) {
        this.file = file;
        this.table = table;
    }

    /** Reads {@code file}, which must exist and have a header with every fixed column of {@code schema}. */
    static JournalCsv read(Path file, JournalTable schema) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": missing (expected a journal CSV written by amalgam evolve)");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        List<String> required = schema.fixedColumns();
        List<String> lines = completeLines(file, text, required);
        String[] header = lines.getFirst().split(",", -1);
        checkHeader(file, header, required);
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                throw new BadInputException(file + " line " + (i + 1) + ": empty line inside the table");
            }
            int fields = fieldCount(lines.get(i));
            if (fields != header.length) {
                throw new BadInputException(file + " line " + (i + 1) + ": " + fields + " fields, the header has "
                        + header.length);
            }
        }
        // Tablesaw splits the text into cells, all as strings; the typed columns are parsed below, so that a bad
        // cell's error names its line. Only an empty cell is missing: Tablesaw's default would also blank "NaN",
        // which the writer uses for failures.
        Table cells = Table.read().usingOptions(CsvReadOptions.builderFromString(String.join("\n", lines) + "\n")
                .tableName(file.getFileName().toString()).header(true).separator(',')
                .columnTypes(name -> ColumnType.STRING).missingValueIndicator(""));
        Table typed = Table.create(file.getFileName().toString());
        for (String name : cells.columnNames()) {
            JournalTable.Kind kind = schema.kindOf(name);
            typed.addColumns(kind == null ? cells.stringColumn(name).copy() : parse(file, cells.stringColumn(name), kind));
        }
        // A journal written before a column was added reads as if every row had the column's older value.
        schema.addedColumns().forEach((name, older) -> {
            if (!typed.containsColumn(name)) {
                Column<?> column = schema.kindOf(name).create(name);
                for (int row = 0; row < typed.rowCount(); row++) {
                    JournalTable.append(column, parsed(schema.kindOf(name), older));
                }
                typed.addColumns(column);
            }
        });
        return new JournalCsv(file, typed);
    }

    private static Column<?> parse(Path file, StringColumn cells, JournalTable.Kind kind) {
        Column<?> column = kind.create(cells.name());
        for (int row = 0; row < cells.size(); row++) {
            String value = cells.get(row).strip();
            if (value.isEmpty() && kind != JournalTable.Kind.TEXT) {
                throw cellError(file, row, cells.name(), "is empty");
            }
            try {
                JournalTable.append(column, parsed(kind, value));
            } catch (IllegalArgumentException e) {
                throw cellError(file, row, cells.name(), "'" + value + "' is not " + switch (kind) {
                    case INTEGER, COUNT -> "an integer";
                    case FLAG -> "true/false";
                    default -> "a number";
                });
            }
        }
        return column;
    }

    /** The cell's value; {@code NaN} is a number (a candidate whose scoring failed). */
    private static Object parsed(JournalTable.Kind kind, String value) {
        return switch (kind) {
            case INTEGER -> Integer.parseInt(value);
            case COUNT -> Long.parseLong(value);
            case TEXT -> value;
            case NUMBER, SECONDS -> Double.parseDouble(value);
            case FLAG -> switch (value.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException(value);
            };
        };
    }

    private static List<String> completeLines(Path file, String text, List<String> required) {
        List<String> lines = new ArrayList<>(text.lines().toList());
        while (!lines.isEmpty() && lines.getLast().isBlank()) {
            lines.removeLast();
        }
        if (lines.isEmpty()) {
            throw new BadInputException(file + " line 1: empty file, expected a header starting with '"
                    + String.join(",", required.subList(0, Math.min(3, required.size()))) + "'");
        }
        boolean unterminated = !text.endsWith("\n");
        if (unterminated && lines.size() > 1
                && fieldCount(lines.getLast()) < fieldCount(lines.getFirst())) {
            lines.removeLast(); // a row the writer has not finished
        }
        return lines;
    }

    private static void checkHeader(Path file, String[] header, List<String> required) {
        Set<String> seen = new HashSet<>();
        for (String name : header) {
            if (!seen.add(name.strip())) {
                throw new BadInputException(file + " line 1: column '" + name.strip() + "' appears twice");
            }
        }
        for (String name : required) {
            if (!seen.contains(name)) {
                throw new BadInputException(file + " line 1: no column '" + name + "' (expected " + String.join(",",
                        required) + ")");
            }
        }
    }

    /** Fields in one CSV line: commas outside double quotes, plus one. */
    private static int fieldCount(String line) {
        int fields = 1;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                fields++;
            }
        }
        return fields;
    }

    /** Writes {@code table} whole (temporary file and rename), each column printed as its kind says. */
    static void write(Path file, Table table) {
        String text;
        if (table.rowCount() == 0) {
            text = String.join(",", table.columnNames()) + "\n"; // Tablesaw writes nothing for an empty table
        } else {
            StringWriter out = new StringWriter();
            table.write().usingOptions(CsvWriteOptions.builder(out).usePrintFormatters(true).build());
            text = out.toString();
        }
        AtomicFile.writeString(file, text);
    }

    Path file() {
        return file;
    }

    Table table() {
        return table;
    }

    /** The names after {@code prefix} of the columns that start with it, in file order. */
    List<String> family(String prefix) {
        return table.columnNames().stream().filter(n -> n.startsWith(prefix)).map(n -> n.substring(prefix.length())).toList();
    }

    /** The 1-based line in the file of data row {@code row} (the header is line 1). */
    static int lineOf(int row) {
        return row + 2;
    }

    BadInputException cellError(int row, String column, String problem) {
        return cellError(file, row, column, problem);
    }

    private static BadInputException cellError(Path file, int row, String column, String problem) {
        return new BadInputException(file + " line " + lineOf(row) + ", column " + column + ": " + problem);
    }
}
