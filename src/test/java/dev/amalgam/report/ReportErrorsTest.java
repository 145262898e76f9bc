package dev.amalgam.report;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Malformed, empty or missing journal files give one-line errors naming the file and line. */
class ReportErrorsTest {
    @TempDir
    Path tmp;

    private String error(Path run, List<String> objectives) {
        return assertThrows(BadInputException.class, () -> ReportWriter.write(
                new ReportWriter.Options(List.of(run), Optional.empty(), objectives))).getMessage();
    }

    private String error(Path run) {
        return error(run, List.of());
    }

    private Path run() throws IOException {
        return HandMadeJournal.write(tmp.resolve("run"), false);
    }

    @Test
    void emptyGenerationsFile() throws IOException {
        Path run = run();
        Files.writeString(run.resolve("generations.csv"), "");
        assertEquals(run.resolve("generations.csv") + " line 1: empty file, expected a header starting with "
                + "'generation,evaluations,best'", error(run));
    }

    @Test
    void headerOnlyMeansNoCompleteGeneration() throws IOException {
        Path run = run();
        Files.writeString(run.resolve("generations.csv"), HandMadeJournal.generationsCsv(0));
        assertEquals(run.resolve("generations.csv") + " line 2: no complete generation yet (only the header)",
                error(run));
    }

    @Test
    void badNumberNamesLineAndColumn() throws IOException {
        Path run = run();
        List<String> lines = Files.readAllLines(run.resolve("candidates.csv"));
        String[] fields = lines.get(4).split(","); // line 5: candidate 3
        fields[List.of(lines.getFirst().split(",")).indexOf("fitness")] = "oops";
        lines.set(4, String.join(",", fields));
        Files.write(run.resolve("candidates.csv"), lines);
        assertEquals(run.resolve("candidates.csv") + " line 5, column fitness: 'oops' is not a number", error(run));
    }

    @Test
    void emptyCellNamesLineAndColumn() throws IOException {
        Path run = run();
        List<String> lines = Files.readAllLines(run.resolve("generations.csv"));
        lines.set(2, lines.get(2).replaceFirst("^1,8,", "1,,"));
        Files.write(run.resolve("generations.csv"), lines);
        assertEquals(run.resolve("generations.csv") + " line 3, column evaluations: is empty", error(run));
    }

    @Test
    void wrongFieldCount() throws IOException {
        Path run = run();
        List<String> lines = Files.readAllLines(run.resolve("candidates.csv"));
        lines.set(2, lines.get(2) + ",extra");
        Files.write(run.resolve("candidates.csv"), lines);
        assertEquals(run.resolve("candidates.csv") + " line 3: 15 fields, the header has 14", error(run));
    }

    @Test
    void missingColumn() throws IOException {
        Path run = run();
        String csv = Files.readString(run.resolve("heldout.csv")).replaceFirst("heldout_fitness", "held_out");
        Files.writeString(run.resolve("heldout.csv"), csv);
        assertEquals(run.resolve("heldout.csv") + " line 1: no column 'heldout_fitness' (expected "
                + "rank,candidate_id,search_fitness,heldout_fitness)", error(run));
    }

    @Test
    void unknownCandidateInHeldout() throws IOException {
        Path run = run();
        String csv = Files.readString(run.resolve("heldout.csv")).replaceFirst("g2-c0", "g9-c9");
        Files.writeString(run.resolve("heldout.csv"), csv);
        assertEquals(run.resolve("heldout.csv") + " line 3, column candidate_id: 'g9-c9' is not in candidates.csv",
                error(run));
    }

    @Test
    void generationsOutOfOrder() throws IOException {
        Path run = run();
        List<String> lines = Files.readAllLines(run.resolve("generations.csv"));
        lines.set(3, lines.get(3).replaceFirst("^2,", "1,"));
        Files.write(run.resolve("generations.csv"), lines);
        assertEquals(run.resolve("generations.csv") + " line 4, column generation: 1 does not follow 1", error(run));
    }

    @Test
    void malformedRunYamlNamesTheLine() throws IOException {
        Path run = run();
        Files.writeString(run.resolve("run.yaml"), "strategy: ga\nseed: [7\npopulation: 4\n");
        String message = error(run);
        assertTrue(message.startsWith(run.resolve("run.yaml") + ": invalid YAML: ") && message.contains("(line "), message);
        assertEquals(-1, message.indexOf('\n'), "one line: " + message);
    }

    @Test
    void missingFilesAndFolders() throws IOException {
        assertEquals(tmp.resolve("nope") + ": not a folder (expected a search folder results/<run>/)",
                error(tmp.resolve("nope")));
        Path run = run();
        Files.delete(run.resolve("candidates.csv"));
        assertEquals(run.resolve("candidates.csv") + ": missing (expected a journal CSV written by amalgam evolve)",
                error(run));
    }

    @Test
    void objectivesMustBeTwoTasksOfTheFront() throws IOException {
        Path run = HandMadeJournal.write(tmp.resolve("nsga"), true);
        assertEquals("--objectives: no task 'gsm8k' in " + run.resolve("pareto.csv") + " (tasks: [arc_easy, mmlu])",
                error(run, List.of("gsm8k", "mmlu")));
        assertEquals("--objectives: expected two different task names, got [mmlu]", error(run, List.of("mmlu")));
        Path ga = run();
        assertEquals("--objectives: " + ga.resolve("pareto.csv") + " is missing (only NSGA-II runs write a Pareto "
                + "front)", error(ga, List.of("mmlu", "arc_easy")));
    }
}
