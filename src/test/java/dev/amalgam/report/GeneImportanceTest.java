package dev.amalgam.report;

import dev.amalgam.history.Candidate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeneImportanceTest {
    private static final List<String> GENES = List.of("weight/a/g0", "weight/a/g1", "weight/b/g0", "density/b/g0");

    /**
     * fitness = 0.8 g0 + 0.4 g1 + 0 g2 + noise (s.d. 0.05), genes independent uniform: Var = (0.64 + 0.16) / 12 + 0.0025,
     * so the true shares are 0.64/12 / Var, 0.16/12 / Var and 0 for g2; g3 is constant and is not measured.
     */
    @Test
    void recoversThePlantedSharesOfIndependentGenes() {
        Random r = new Random(11);
        List<Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            double[] g = {r.nextDouble(), r.nextDouble(), r.nextDouble(), 0.5};
            double f = 0.8 * g[0] + 0.4 * g[1] + 0.05 * r.nextGaussian();
            candidates.add(new Candidate(i / 10, "c" + i, "k" + i, g, new double[]{f}, f, 0, 0));
        }
        candidates.add(new Candidate(400, "failed", "kf", new double[]{0.1, 0.1, 0.1, 0.5}, new double[]{Double.NaN}, Double.NaN, 0, 0));
        GeneImportance imp = GeneImportance.of(GENES, candidates);

        double var = 0.80 / 12 + 0.0025;
        assertEquals(4000, imp.candidates(), "the NaN candidate is not fitted");
        assertEquals(List.of("density/b/g0"), imp.constant());
        assertEquals(List.of("weight/a/g0", "weight/a/g1", "weight/b/g0"), imp.rows().stream().map(GeneImportance.Row::gene).toList());
        assertEquals(0.64 / 12 / var, imp.rows().get(0).share(), 0.02);
        assertEquals(0.16 / 12 / var, imp.rows().get(1).share(), 0.02);
        assertEquals(0, imp.rows().get(2).share(), 0.005);
        assertEquals(0.80 / 12 / var, imp.rSquared(), 0.01);
        double sum = imp.rows().stream().mapToDouble(GeneImportance.Row::share).sum();
        assertEquals(imp.rSquared(), sum, 1e-3, "the shares add up to R^2");
    }

    /** Fewer candidates than genes (the ridge term keeps it solvable) and two genes moved together share the credit. */
    @Test
    void fewCandidatesAndCollinearGenesStillGiveFiniteShares() {
        Random r = new Random(3);
        List<Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            double u = r.nextDouble();
            double[] g = {u, u, r.nextDouble(), r.nextDouble()};
            candidates.add(new Candidate(0, "c" + i, "k" + i, g, new double[]{u}, u, 0, 0));
        }
        GeneImportance imp = GeneImportance.of(GENES, candidates);
        assertEquals(4, imp.rows().size());
        imp.rows().forEach(row -> assertTrue(Double.isFinite(row.share()), row.toString()));
        assertEquals(imp.rows().get(0).share(), imp.rows().get(1).share(), 1e-9, "identical columns, equal shares");
        assertTrue(imp.rSquared() > 0.99);
    }
}
