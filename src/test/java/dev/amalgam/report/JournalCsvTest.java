package dev.amalgam.report;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalCsvTest {
    @TempDir
    Path tmp;

    /** The evolve writer rewrites Tablesaw string tables with Double.toString numbers: every value reads back exactly. */
    @Test
    void readsTablesawWrittenNumbersExactly() throws IOException {
        double[] values = {0.1 + 0.2, 1.0E-5, Double.NaN, Double.NEGATIVE_INFINITY, 0.7071067811865476};
        Table table = Table.create("t", StringColumn.create("candidate_id"), StringColumn.create("fitness"));
        for (int i = 0; i < values.length; i++) {
            table.stringColumn("candidate_id").append("g0-c" + i);
            table.stringColumn("fitness").append(Double.toString(values[i]));
        }
        StringWriter text = new StringWriter();
        table.write().csv(text);
        Path file = tmp.resolve("t.csv");
        Files.writeString(file, text.toString());

        JournalCsv csv = JournalCsv.read(file, List.of("candidate_id", "fitness"));
        assertEquals(values.length, csv.rows());
        for (int i = 0; i < values.length; i++) {
            assertEquals(Double.doubleToLongBits(values[i]), Double.doubleToLongBits(csv.number(i, "fitness")),
                    "row " + i);
            assertEquals("g0-c" + i, csv.text(i, "candidate_id"));
        }
    }

    @Test
    void skipsOnlyATornLastRowAndCountsQuotedCommasAsText() throws IOException {
        Path file = tmp.resolve("t.csv");
        Files.writeString(file, "a,b,c\n1,\"x,y\",3\n4,5,6\n7,8");
        JournalCsv csv = JournalCsv.read(file, List.of("a", "b", "c"));
        assertEquals(2, csv.rows(), "the unfinished row 7,8 is not read");
        assertEquals("x,y", csv.text(0, "b"));
        assertEquals(6, csv.integer(1, "c"));

        Files.writeString(file, "a,b,c\n1,2,3\n\n4,5,6\n");
        String message = assertThrows(BadInputException.class,
                () -> JournalCsv.read(file, List.of("a"))).getMessage();
        assertEquals(file + " line 3: empty line inside the table", message);

        Files.writeString(file, "a,b,a\n1,2,3\n");
        message = assertThrows(BadInputException.class,
                () -> JournalCsv.read(file, List.of("a"))).getMessage();
        assertTrue(message.startsWith(file + " line 1: column 'a' appears twice"), message);
    }
}
