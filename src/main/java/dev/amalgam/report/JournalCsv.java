package dev.amalgam.report;

import dev.amalgam.BadInputException;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

import java.io.IOException;
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
 * One journal CSV read with Tablesaw as text cells, with typed accessors whose errors name the file, the line
 * and the column. Rows count once complete: an unterminated last line with fewer fields than the header is a
 * row still being written and is skipped, so a report on a running search never sees a torn row.
 */
final class JournalCsv {
    private final Path file;
    private final Table table;

    private JournalCsv(Path file, Table table) {
        this.file = file;
        this.table = table;
    }

    /** Reads {@code file}, which must exist and have a header with every column in {@code required}. */
    static JournalCsv read(Path file, List<String> required) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": missing (expected a journal CSV written by amalgam evolve)");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
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
        // Every cell is read as text: the typed accessors below parse it and can name the line of a bad cell. Only
        // an empty cell is missing: Tablesaw's default would also blank "NaN", which the writer uses for failures.
        Table table = Table.read().usingOptions(CsvReadOptions.builderFromString(String.join("\n", lines) + "\n")
                .tableName(file.getFileName().toString()).header(true).separator(',')
                .columnTypes(name -> ColumnType.STRING).missingValueIndicator(""));
        return new JournalCsv(file, table);
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

    Path file() {
        return file;
    }

    int rows() {
        return table.rowCount();
    }

    /** The 1-based line in the file of data row {@code row} (the header is line 1). */
    static int lineOf(int row) {
        return row + 2;
    }

    List<String> columnsStartingWith(String prefix) {
        return table.columnNames().stream().filter(n -> n.startsWith(prefix)).toList();
    }

    String text(int row, String column) {
        String value = table.stringColumn(column).get(row).strip();
        if (value.isEmpty()) {
            throw cellError(row, column, "is empty");
        }
        return value;
    }

    /** A number; {@code NaN} is accepted (a candidate whose scoring failed), an empty or other cell is not. */
    double number(int row, String column) {
        String value = text(row, column);
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw cellError(row, column, "'" + value + "' is not a number");
        }
    }

    int integer(int row, String column) {
        String value = text(row, column);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw cellError(row, column, "'" + value + "' is not an integer");
        }
    }

    boolean bool(int row, String column) {
        String value = text(row, column);
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw cellError(row, column, "'" + value + "' is not true/false");
        };
    }

    BadInputException cellError(int row, String column, String problem) {
        return new BadInputException(file + " line " + lineOf(row) + ", column " + column + ": " + problem);
    }
}
