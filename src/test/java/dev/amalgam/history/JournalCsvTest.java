package dev.amalgam.history;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalCsvTest {
    private static final List<String> TASKS = List.of("a", "b");

    @TempDir
    Path tmp;

    /** The typed table is written with Double.toString: every value, NaN and infinities too, reads back exactly. */
    @Test
    void writtenNumbersReadBackExactly() {
        double[] values = {0.1 + 0.2, 1.0E-5, Double.NaN, Double.NEGATIVE_INFINITY, 0.7071067811865476, -0.0};
        Table table = JournalTable.HELDOUT.create(List.of(), TASKS);
        for (int i = 0; i < values.length; i++) {
            JournalTable.append(table, List.of(i + 1, "g0-c" + i, values[i], 1.5, values[i], 0.25));
        }
        Path file = tmp.resolve("heldout.csv");
        JournalCsv.write(file, table);

        Table read = JournalCsv.read(file, JournalTable.HELDOUT).table();
        assertEquals(values.length, read.rowCount());
        for (int i = 0; i < values.length; i++) {
            assertEquals(Double.doubleToLongBits(values[i]), Double.doubleToLongBits(read.doubleColumn("search_fitness").getDouble(i)),
                    "row " + i);
            assertEquals(i + 1, read.intColumn("rank").getInt(i));
            assertEquals("g0-c" + i, read.stringColumn("candidate_id").get(i));
        }
        assertInstanceOf(tech.tablesaw.api.DoubleColumn.class, read.column("task:a"), "families are numeric columns");
    }

    /** The file text is what the journal contract spells: NaN as NaN, seconds with four decimals. */
    @Test
    void writesNaNAndFourDecimalSeconds() throws IOException {
        Table table = JournalTable.GENERATIONS.create(List.of(), List.of("a"));
        JournalTable.append(table, List.of(0, 6, 0.5, Double.NaN, 0.5, 0.0, 0.25, 0.75, 0.125, "g0-c1", 1.0, 12.0));
        Path file = tmp.resolve("generations.csv");
        JournalCsv.write(file, table);
        assertEquals("generation,evaluations,best,mean,median,std,p10,p90,diversity,best_candidate_id,task:a,elapsed_seconds\n"
                + "0,6,0.5,NaN,0.5,0.0,0.25,0.75,0.125,g0-c1,1.0,12.0000\n", Files.readString(file));
    }

    @Test
    void skipsOnlyATornLastRowAndCountsQuotedCommasAsText() throws IOException {
        Path file = tmp.resolve("pareto.csv");
        Files.writeString(file, "candidate_id,task:a,exported\n\"x,y\",0.5,true\ng0-c1,0.25,false\ng0-c2,0.");
        JournalCsv csv = JournalCsv.read(file, JournalTable.PARETO);
        assertEquals(2, csv.table().rowCount(), "the unfinished row g0-c2,0. is not read");
        assertEquals("x,y", csv.table().stringColumn("candidate_id").get(0));
        assertEquals(false, csv.table().booleanColumn("exported").get(1));

        Files.writeString(file, "candidate_id,task:a,exported\ng0-c1,0.5,true\n\ng0-c2,0.5,false\n");
        String message = assertThrows(BadInputException.class, () -> JournalCsv.read(file, JournalTable.PARETO)).getMessage();
        assertEquals(file + " line 3: empty line inside the table", message);

        Files.writeString(file, "candidate_id,task:a,task:a,exported\ng0-c1,1,2,true\n");
        message = assertThrows(BadInputException.class, () -> JournalCsv.read(file, JournalTable.PARETO)).getMessage();
        assertTrue(message.startsWith(file + " line 1: column 'task:a' appears twice"), message);

        Files.writeString(file, "candidate_id,task:a,exported\ng0-c1,0.5,maybe\n");
        message = assertThrows(BadInputException.class, () -> JournalCsv.read(file, JournalTable.PARETO)).getMessage();
        assertEquals(file + " line 2, column exported: 'maybe' is not true/false", message);
    }
}
