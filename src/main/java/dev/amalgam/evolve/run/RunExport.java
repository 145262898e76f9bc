package dev.amalgam.evolve.run;

import dev.amalgam.BadInputException;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.SearchConfigYaml;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.Journal;
import dev.amalgam.history.RunFiles;
import dev.amalgam.recipe.MergeRecipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code amalgam export}: the merge recipe of a run's rank-N candidate in the journal's {@link Journal#ranking()}
 * (rank 1 is {@code best.yaml}).
 */
public final class RunExport {
    /** The chosen candidate and its recipe (model paths absolute, {@code random_seed} the search seed). */
    public record Exported(Candidate candidate, int rank, int ranked, MergeRecipe recipe) {
    }

    private RunExport() {
    }

    public static Exported export(Path runDir, int rank) {
        Path runFile = runDir.resolve(RunFiles.RUN);
        if (!Files.isRegularFile(runFile)) {
            throw new BadInputException(runDir + ": not a run folder (no " + RunFiles.RUN + ")");
        }
        SearchConfig config = SearchConfigYaml.parseRun(runFile);
        Genome genome = GenomeLoader.load(config);
        Journal journal = Journal.read(runDir);
        if (!journal.genes().equals(EvolveJob.geneNames(genome))) {
            throw new BadInputException(runDir.resolve(RunFiles.CANDIDATES) + ": gene columns " + journal.genes()
                    + " do not match the genome of " + runFile + " " + EvolveJob.geneNames(genome));
        }
        List<Candidate> ranking = journal.ranking();
        if (ranking.isEmpty()) {
            throw new BadInputException(runDir + ": the run has no evaluated candidates yet");
        }
        if (rank < 1 || rank > ranking.size()) {
            throw new BadInputException("--rank: expected 1.." + ranking.size() + " (candidates in " + runDir + "), got " + rank);
        }
        Candidate c = ranking.get(rank - 1);
        return new Exported(c, rank, ranking.size(), genome.decode(c.genes()));
    }
}
