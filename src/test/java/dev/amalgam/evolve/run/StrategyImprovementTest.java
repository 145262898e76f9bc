package dev.amalgam.evolve.run;

import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.history.GenerationStats;
import dev.amalgam.history.SearchJournal;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each strategy, wired through the real evaluator/journal path on a model-free problem, beats its initial population. */
class StrategyImprovementTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void everySeedEndsBetterThanItsInitialPopulation(Strategy strategy) {
        int seeds = 5;
        for (long seed = 1; seed <= seeds; seed++) {
            List<GenerationStats> gens = run(strategy, seed, dir.resolve(strategy.key() + "-" + seed));
            GenerationStats first = gens.getFirst();
            GenerationStats last = gens.getLast();
            assertEquals(15, last.generation());
            // Statistical claim per seed: the final population's mean beats the initial mean by a clear margin, and
            // its best beats the initial best (a random search of the same budget rarely manages the latter).
            assertTrue(last.mean() > first.mean() + 0.02, strategy + " seed " + seed + ": mean " + first.mean() + " -> " + last.mean());
            assertTrue(last.best() > first.best(), strategy + " seed " + seed + ": best " + first.best() + " -> " + last.best());
        }
    }

    static List<GenerationStats> run(Strategy strategy, long seed, Path runDir) {
        SyntheticProblem p = new SyntheticProblem(strategy, 16, 15, seed, runDir.getParent());
        SearchJournal journal = SearchJournal.create(runDir, "synthetic: true\n", p.genome.genes().stream().map(Genome.Gene::name).toList(), List.of("a", "b"));
        List<GenerationStats> gens = new ArrayList<>();
        SearchRun.run(p.config, p.genome, p.evaluator(), journal, new SearchRun.Listener() {
            @Override
            public void generationDone(GenerationStats summary, boolean replayed) {
                gens.add(summary);
            }
        });
        return gens;
    }
}
