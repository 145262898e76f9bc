package dev.amalgam.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunSummaryTest {
    @TempDir
    Path tmp;

    /** The summary's numbers recomputed from the CSV text by plain splitting, not by the reader under test. */
    @Test
    void numbersEqualThoseComputedFromTheCsvs() throws IOException {
        Path run = HandMadeJournal.write(tmp.resolve("run"), false);
        List<String[]> candidates = PlainCsv.rows(run.resolve("candidates.csv"));
        List<String[]> generations = PlainCsv.rows(run.resolve("generations.csv"));
        List<String[]> heldout = PlainCsv.rows(run.resolve("heldout.csv"));
        int fitness = PlainCsv.column(candidates, "fitness");
        int merge = PlainCsv.column(candidates, "merge_seconds");
        int score = PlainCsv.column(candidates, "score_seconds");
        String[] best = candidates.stream().skip(1).max((a, b) -> Double.compare(Double.parseDouble(a[fitness]),
                Double.parseDouble(b[fitness]))).orElseThrow();
        int heldoutFitness = PlainCsv.column(heldout, "heldout_fitness");
        String[] bestHeldout = heldout.stream().skip(1).max((a, b) -> Double.compare(
                Double.parseDouble(a[heldoutFitness]), Double.parseDouble(b[heldoutFitness]))).orElseThrow();
        double mergeSum = candidates.stream().skip(1).mapToDouble(r -> Double.parseDouble(r[merge])).sum();
        double scoreSum = candidates.stream().skip(1).mapToDouble(r -> Double.parseDouble(r[score])).sum();
        String[] lastGeneration = generations.getLast();

        RunSummary summary = RunSummary.of(ReportedRun.read(run));

        assertEquals(generations.size() - 1, summary.generations());
        assertEquals(candidates.size() - 1, summary.evaluations());
        assertEquals(Long.parseLong(lastGeneration[1]), summary.evaluationsInGenerations());
        assertEquals(best[1], summary.bestSearch().id());
        assertEquals(Double.parseDouble(best[fitness]), summary.bestSearch().fitness());
        assertEquals(bestHeldout[1], summary.bestHeldout().orElseThrow().candidateId());
        assertEquals(Double.parseDouble(bestHeldout[heldoutFitness]), summary.bestHeldout().orElseThrow().heldoutFitness());
        assertEquals(mergeSum, summary.mergeSeconds(), 1e-9);
        assertEquals(scoreSum, summary.scoreSeconds(), 1e-9);
        // best parent in run.yaml: ft-b, 0.55 search / 0.52 held-out
        assertEquals(Double.parseDouble(best[fitness]) - 0.55, summary.searchImprovement().orElseThrow(), 1e-12);
        assertEquals(Double.parseDouble(bestHeldout[heldoutFitness]) - 0.52,
                summary.heldoutImprovement().orElseThrow(), 1e-12);

        List<String> lines = summary.lines();
        assertEquals("run (ga): 3 generations complete, 12 evaluations", lines.get(0));
        assertEquals(String.format(Locale.ROOT, "  best search fitness %.4f (%s, exported), its held-out fitness %.4f (%s)",
                Double.parseDouble(best[fitness]), best[1], Double.parseDouble(bestHeldout[heldoutFitness]),
                bestHeldout[1]), lines.get(1));
        assertEquals("  improvement over best parent: +0.1600 search (parent ft-b: 0.5500), +0.1700 held-out",
                lines.get(2));
        assertEquals(String.format(Locale.ROOT, "  time: %.1f s merging + %.1f s scoring (sums over evaluations), "
                + "%.1f s wall clock", mergeSum, scoreSum, Double.parseDouble(lastGeneration[lastGeneration.length - 1])),
                lines.get(3));
        assertEquals("  tokens scored: n/a (the journal predates the tokens_scored column)", lines.get(4));
    }

    /**
     * The held-out split reports, the search split decides: with a heldout.csv in which the second-best search
     * candidate (g2-c0) scores higher than the best (g2-c2), the exported candidate and the reported held-out figure
     * are still those of g2-c2.
     */
    @Test
    void theHeldoutSplitDoesNotPickTheExportedCandidate() throws IOException {
        Path run = HandMadeJournal.write(tmp.resolve("run"), false);
        Path heldout = run.resolve("heldout.csv");
        List<String> lines = Files.readAllLines(heldout);
        Files.writeString(heldout, lines.get(0) + "\n" + lines.get(1).replace(",0.69,", ",0.30,") + "\n"
                + String.join("\n", lines.subList(2, lines.size())) + "\n");
        ReportedRun reported = ReportedRun.read(run);
        assertEquals("g2-c2", reported.exported().id());
        assertEquals(0.30, RunSummary.of(reported).bestHeldout().orElseThrow().heldoutFitness());
        assertEquals("g2-c2", reported.journal().ranking().getFirst().id());
    }

    /**
     * A running search: generation 3 half evaluated (2 rows plus a row being written, no newline yet), no held-out
     * re-scoring, no parent scores. The report covers the complete rows and generations.
     */
    @Test
    void runningSearchIsReportedFromItsCompleteRows() throws IOException {
        Path run = tmp.resolve("live");
        Files.createDirectories(run);
        Files.writeString(run.resolve("run.yaml"), HandMadeJournal.runYaml("cmaes", false));
        String candidates = HandMadeJournal.candidatesCsv(14);
        Files.writeString(run.resolve("candidates.csv"), candidates + "3,g3-c2,00abc,0.1,0.2");
        Files.writeString(run.resolve("generations.csv"), HandMadeJournal.generationsCsv(3));

        ReportedRun journal = ReportedRun.read(run);
        assertEquals(14, journal.candidates().size(), "the torn last row is not read");
        assertEquals("local", journal.candidates().getFirst().worker(), "a 0.1 journal (no worker column) reads as local");
        assertTrue(Double.isNaN(journal.candidates().getFirst().startedAt()));
        assertEquals(3, journal.generations().size());
        assertEquals(List.of("arc_easy", "mmlu"), journal.tasks(),
                "tasks keep journal column order (legend order)");
        assertEquals(HandMadeJournal.GENES,
                journal.genes());
        RunSummary summary = RunSummary.of(journal);
        assertEquals("live (cmaes): 3 generations complete, 14 evaluations (12 in complete generations)",
                summary.lines().get(0));
        assertTrue(summary.lines().get(1).endsWith("its held-out fitness n/a (not re-scored yet)"));
        assertEquals("  improvement over best parent: n/a (run.yaml has no parent scores)", summary.lines().get(2));
        assertEquals("g2-c2", journal.exported().id(), "without held-out scores the best by search is exported");

        ReportWriter.Report report = ReportWriter.write(new ReportWriter.Options(List.of(run), Optional.empty(),
                List.of()));
        String html = Files.readString(report.folder().resolve("report.html"));
        assertTrue(html.contains("By search fitness (no held-out re-scoring yet)."));
        assertTrue(html.contains("<tr><td>1</td><td class=\"id\">g2-c2</td><td>0.7100</td><td>n/a</td><td>0.7600</td>"), html);
        assertFalse(Files.exists(report.folder().resolve("pareto.png")));
    }

    /** A killed search: the last generation's rows stop mid-way and a complete row ends without a newline. */
    @Test
    void killedSearchWithUnterminatedCompleteRowKeepsIt() throws IOException {
        Path run = tmp.resolve("killed");
        Files.createDirectories(run);
        Files.writeString(run.resolve("run.yaml"), HandMadeJournal.runYaml("ga", true));
        Files.writeString(run.resolve("candidates.csv"), HandMadeJournal.candidatesCsv(6).stripTrailing());
        Files.writeString(run.resolve("generations.csv"), HandMadeJournal.generationsCsv(1));

        RunSummary summary = RunSummary.of(ReportedRun.read(run));
        assertEquals(6, summary.evaluations(), "a whole row without its newline is still a row");
        assertEquals(1, summary.generations());
        assertEquals("g1-c1", summary.bestSearch().id());
        assertEquals(0.61 - 0.55, summary.searchImprovement().orElseThrow(), 1e-12);
        assertTrue(summary.heldoutImprovement().isEmpty());
    }
}
