package dev.amalgam.evolve.run;

import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.config.Strategy;
import dev.amalgam.history.Candidate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ParetoFrontTest {
    @TempDir
    Path dir;

    private static Candidate c(String id, double a, double b) {
        return new Candidate(0, id, id, new double[]{0}, new double[]{a, b}, (a + b) / 2, 0, 0);
    }

    @Test
    void keepsTheNonDominatedCandidatesIncludingTies() {
        SearchConfig config = new SyntheticProblem(Strategy.NSGA2, 8, 1, 1, dir).config; // tasks a, b, both maximised
        List<Candidate> all = List.of(c("x", 0.9, 0.1), c("y", 0.5, 0.5), c("z", 0.4, 0.4), c("w", 0.1, 0.9), c("v", 0.5, 0.5), c("u", 0.9, 0.05));
        assertEquals(List.of("x", "y", "w", "v"), SearchRun.paretoFront(all, config).stream().map(Candidate::id).toList());
    }
}
