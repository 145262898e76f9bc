package dev.amalgam.evolve.run;

import dev.amalgam.cli.AmalgamCommand;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.RunFiles;
import dev.amalgam.history.SearchJournal;
import dev.amalgam.report.ReportWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With tied search fitness and no held-out re-scoring, {@code best.yaml}, {@code amalgam export} and the report name
 * the same candidate: the one evaluated first. The tie is between g0-c9 and g0-c10, whose ids sort the other way
 * round as text (the rule that used to pick best.yaml).
 */
class TiedFitnessExportTest {
    @TempDir
    Path dir;

    @Test
    void bestYamlExportAndReportAgreeOnTheFirstOfTiedCandidates() throws Exception {
        Path configFile = TinyZoo.write(dir, "ga", 12, 0, 4, "tied");
        Files.writeString(configFile, Files.readString(configFile).replace("rescore_top_k: 2", "rescore_top_k: 0"));
        SearchConfig config = SearchConfigYaml.parse(configFile);
        Genome genome = GenomeLoader.load(config);
        Path runDir = EvolveJob.runDir(config);
        SearchJournal journal = SearchJournal.create(runDir, EvolveJob.runYaml(config, genome, List.of()),
                EvolveJob.geneNames(genome), EvolveJob.taskNames(config));
        // Generation 0 scores its 12 new genomes in batch order, so batch index i is candidate g0-c<i>: 9 and 10 tie.
        BatchEvaluator tied = (genomes, results) -> {
            for (int i = 0; i < genomes.size(); i++) {
                double score = i == 9 || i == 10 ? 0.75 : 0.25;
                results.scored(i, new CandidateScore(new double[]{score, score}, 0, 0));
            }
        };
        SearchRun.Outcome outcome = SearchRun.run(config, genome, tied, journal, SearchRun.Listener.NONE);
        assertEquals(12, outcome.candidates().size());
        assertTrue("g0-c10".compareTo("g0-c9") < 0, "the tie must be one that id order breaks the other way");

        Candidate best = EvolveJob.exportBest(genome, journal, outcome);
        assertEquals("g0-c9", best.id(), "equal fitness: the candidate evaluated first");
        String bestYaml = Files.readString(runDir.resolve(RunFiles.BEST));

        Path exported = dir.resolve("export.yaml");
        assertEquals(0, AmalgamCommand.newCommandLine().execute("export", runDir.toString(), "-o", exported.toString()));
        List<String> exportLines = Files.readAllLines(exported);
        assertTrue(exportLines.getFirst().contains("candidate g0-c9 "), exportLines.getFirst());
        assertEquals(bestYaml, String.join("\n", exportLines.subList(1, exportLines.size())) + "\n",
                "amalgam export writes best.yaml's recipe");
        assertEquals(2, AmalgamCommand.newCommandLine().execute("export", runDir.toString(), "--rank", "2", "-o", exported.toString()),
                "an existing -o file is kept without --overwrite");
        assertTrue(Files.readAllLines(exported).getFirst().contains("candidate g0-c9 "));
        assertEquals(0, AmalgamCommand.newCommandLine().execute("export", runDir.toString(), "--rank", "2", "-o", exported.toString(), "--overwrite"));
        assertTrue(Files.readAllLines(exported).getFirst().contains("candidate g0-c10 "), Files.readAllLines(exported).getFirst());

        ReportWriter.Report report = ReportWriter.write(new ReportWriter.Options(List.of(runDir), Optional.empty(), List.of()));
        assertEquals("g0-c9", report.exportedCandidate(), "the report's gene chart shows best.yaml's candidate");
        assertTrue(report.summary().get(1).startsWith("  best search fitness 0.7500 (g0-c9, exported)"), report.summary().get(1));
    }
}
