package dev.amalgam.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportCommandTest {
    @TempDir
    Path tmp;

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = AmalgamCommand.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** A minimal finished run: one generation of two candidates, written in the journal format. */
    private Path journal(String generationsCsv) throws IOException {
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("run.yaml"), "strategy: ga\nseed: 1\n");
        Files.writeString(run.resolve("candidates.csv"), """
                generation,candidate_id,genome_key,gene:weight/a/g0,gene:weight/b/g0,task:arc,fitness,merge_seconds,score_seconds,seconds
                0,g0-c0,aa,0.25,0.75,0.5,0.5,1.5,2.5,4.0
                0,g0-c1,bb,0.75,0.25,0.625,0.625,1.5,3.5,5.0
                """);
        Files.writeString(run.resolve("generations.csv"), generationsCsv);
        return run;
    }

    @Test
    void writesTheReportAndPrintsTheSummary() throws IOException {
        Path run = journal("""
                generation,evaluations,best,mean,median,std,p10,p90,diversity,best_candidate_id,task:arc,elapsed_seconds
                0,2,0.625,0.5625,0.5625,0.0625,0.5,0.625,0.5,g0-c1,0.625,9.5
                """);
        Path out = tmp.resolve("out");
        Result result = run("report", run.toString(), "--out", out.toString());

        assertEquals(0, result.exit(), result.err());
        assertEquals(String.join(System.lineSeparator(),
                "run (ga): 1 generations complete, 2 evaluations",
                "  best search fitness 0.6250 (g0-c1, exported), its held-out fitness n/a (not re-scored yet)",
                "  improvement over best parent: n/a (run.yaml has no parent scores)",
                "  time: 3.0 s merging + 6.0 s scoring (sums over evaluations), 9.5 s wall clock",
                "  tokens scored: n/a (the journal predates the tokens_scored column)",
                "no pareto.png: run has no pareto.csv (not an NSGA-II run, or not finished)",
                "report: " + out.resolve("report.html") + " (with fitness.svg, fitness.png, genes.png)", ""),
                result.out());
        for (String name : new String[]{"fitness.png", "fitness.svg", "genes.png", "report.html"}) {
            assertTrue(Files.isRegularFile(out.resolve(name)), name);
        }
    }

    @Test
    void outFolderOfTheUsersIsNeverWrittenInto() throws IOException {
        Path run = journal("""
                generation,evaluations,best,mean,median,std,p10,p90,diversity,best_candidate_id,task:arc,elapsed_seconds
                0,2,0.625,0.5625,0.5625,0.0625,0.5,0.625,0.5,g0-c1,0.625,9.5
                """);
        Path theirs = tmp.resolve("theirs");
        Files.createDirectories(theirs);
        Files.writeString(theirs.resolve("report.html"), "my own page");

        Result refused = run("report", run.toString(), "--out", theirs.toString());

        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, refused.exit());
        assertEquals("amalgam: error: --out " + theirs + ": holds files that are not an amalgam report; "
                + "give an empty or new folder" + System.lineSeparator(), refused.err());
        assertEquals("my own page", Files.readString(theirs.resolve("report.html")));

        Path ours = tmp.resolve("ours");
        assertEquals(0, run("report", run.toString(), "--out", ours.toString()).exit());
        assertEquals(0, run("report", run.toString(), "--out", ours.toString()).exit(), "an earlier report is replaced");
    }

    @Test
    void badJournalExitsWithCodeTwoAndOneLine() throws IOException {
        Path run = journal("""
                generation,evaluations,best,mean,median,std,p10,p90,diversity,best_candidate_id,task:arc,elapsed_seconds
                0,2,0.625,0.5625,0.5625,0.0625,0.5,0.625,0.5,g0-c1,0.625
                """);
        Result result = run("report", run.toString());

        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, result.exit());
        assertEquals("amalgam: error: " + run.resolve("generations.csv") + " line 2: 11 fields, the header has 12"
                + System.lineSeparator(), result.err());
        assertFalse(Files.exists(run.resolve("report")), "nothing written on bad input");
    }
}
