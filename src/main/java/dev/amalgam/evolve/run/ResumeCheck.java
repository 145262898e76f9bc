package dev.amalgam.evolve.run;

import dev.amalgam.BadInputException;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.evolve.genome.GenomeKey;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.RunFiles;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a resumed run's journal before anything runs or is appended: every row must be one this run could have
 * written. The error names the file, line and column of the first row that is not.
 */
final class ResumeCheck {
    private ResumeCheck() {
    }

    static void verify(Path runDir, List<Candidate> journalled, SearchConfig config, Genome genome) {
        Path file = runDir.resolve(RunFiles.CANDIDATES);
        List<Genome.Gene> genes = genome.genes();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < journalled.size(); i++) {
            Candidate c = journalled.get(i);
            String at = file + " line " + (i + 2) + ", column ";
            if (!ids.add(c.id())) {
                throw new BadInputException(at + "candidate_id: " + c.id() + " appears twice");
            }
            double[] x = c.genes();
            for (int g = 0; g < x.length; g++) {
                Genome.Gene gene = genes.get(g);
                if (!(x[g] >= gene.min() && x[g] <= gene.max())) {
                    throw new BadInputException(at + gene.name() + ": " + x[g] + " is outside the gene's range ["
                            + gene.min() + ", " + gene.max() + "]");
                }
            }
            if (!GenomeKey.of(x).equals(c.key())) {
                throw new BadInputException(at + "genome_key: " + c.key() + " is not the key of the row's genes ("
                        + GenomeKey.of(x) + "); was the row edited?");
            }
            double want = config.fitness(c.tasks());
            if (!(Double.isNaN(want) && Double.isNaN(c.fitness())) && !(Math.abs(want - c.fitness()) <= 1e-9 * Math.max(1, Math.abs(want)))) {
                throw new BadInputException(at + "fitness: " + c.fitness() + " is not the weighted task score " + want
                        + " of the row; was a score edited?");
            }
        }
    }
}
