package dev.amalgam.evolve.strategy;

import dev.amalgam.history.Candidate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steady strategies on a model-free sphere (fitness = -squared distance to a target inside the cube), driven as a
 * cluster would: several asks outstanding and results told in a seeded random order, not the order asked.
 */
class SteadySearchTest {
    static final int DIMS = 6;
    static final double[] TARGET = {0.31, 0.62, 0.45, 0.7, 0.25, 0.55};

    static double sphere(double[] u) {
        double sq = 0;
        for (int i = 0; i < u.length; i++) {
            sq += (u[i] - TARGET[i]) * (u[i] - TARGET[i]);
        }
        return -sq;
    }

    static Candidate scored(Proposal p) {
        double f = sphere(p.unit());
        return new Candidate(0, "c" + p.serial(), Arrays.toString(p.unit()), p.unit(), new double[]{f}, f, 0, 0);
    }

    /**
     * Runs {@code evaluations} asks with {@code slots} outstanding, each tell picking a random outstanding ask.
     * Returns the fitness of every result, in tell order.
     */
    static List<Double> drive(SteadySearch search, int evaluations, int slots, long order) {
        Random r = new Random(order);
        List<Proposal> outstanding = new ArrayList<>();
        List<Double> told = new ArrayList<>();
        int asked = 0;
        while (told.size() < evaluations) {
            while (outstanding.size() < slots && asked < evaluations) {
                outstanding.add(search.ask());
                asked++;
            }
            Proposal p = outstanding.remove(r.nextInt(outstanding.size()));
            Candidate c = scored(p);
            search.tell(p, c);
            told.add(c.fitness());
        }
        return told;
    }

    @Test
    void steadyGaImprovesTheSphereWithResultsOutOfOrder() {
        int population = 16;
        for (long seed = 1; seed <= 5; seed++) {
            SteadySearch ga = new SteadyGenetic<>(GaOperators.genetic(), DIMS, population, seed);
            List<Double> told = drive(ga, population * 16, 3, seed);
            double initialBest = told.subList(0, population).stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            double initialMean = told.subList(0, population).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            List<Candidate> pop = ga.population();
            assertEquals(population, pop.size());
            double best = pop.stream().mapToDouble(Candidate::fitness).max().orElseThrow();
            double mean = pop.stream().mapToDouble(Candidate::fitness).average().orElseThrow();
            // The kept population is the best scored so far, so it beats the random start by a wide margin.
            assertTrue(best > initialBest / 4, "seed " + seed + ": best " + initialBest + " -> " + best);
            assertTrue(mean > initialMean / 4, "seed " + seed + ": mean " + initialMean + " -> " + mean);
        }
    }

    @Test
    void steadyNsga2KeepsAFullPopulationAndImproves() {
        int population = 12;
        SteadySearch nsga = new SteadyGenetic<>(GaOperators.nsga2(new double[]{1}), DIMS, population, 3);
        List<Double> told = drive(nsga, population * 12, 2, 3);
        double initialBest = told.subList(0, population).stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        List<Candidate> pop = nsga.population();
        assertEquals(population, pop.size());
        assertTrue(pop.stream().allMatch(c -> c != null), "every member has its candidate");
        assertTrue(pop.stream().mapToDouble(Candidate::fitness).max().orElseThrow() > initialBest / 4);
    }

    @Test
    void asynchronousCmaesConvergesWithResultsOutOfOrder() {
        double[] start = new double[DIMS];
        Arrays.fill(start, 0.5);
        CmaesSearch cma = new CmaesSearch(start, 4 + (int) Math.floor(3 * Math.log(DIMS)), 11);
        List<Double> told = drive(cma, 1500, 4, 11);
        double best = told.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertTrue(best > -1e-8, "best squared distance " + -best);
        // The distribution itself has moved there: its latest samples are all close to the target.
        for (Candidate c : cma.population()) {
            assertTrue(c.fitness() > -1e-5, "a late sample is still " + -c.fitness() + " away");
        }
    }

    @Test
    void theSameAsksAndTellsGiveTheSameProposals() {
        for (int strategy = 0; strategy < 2; strategy++) {
            double[] start = new double[DIMS];
            Arrays.fill(start, 0.5);
            SteadySearch a = strategy == 0 ? new SteadyGenetic<>(GaOperators.genetic(), DIMS, 8, 5) : new CmaesSearch(start, 8, 5);
            SteadySearch b = strategy == 0 ? new SteadyGenetic<>(GaOperators.genetic(), DIMS, 8, 5) : new CmaesSearch(start, 8, 5);
            assertEquals(drive(a, 60, 3, 9), drive(b, 60, 3, 9));
            assertArrayEquals(a.ask().unit(), b.ask().unit());
        }
    }

    @Test
    void cmaesGenerationalStepIsLambdaAsksThenLambdaTells() {
        double[] start = new double[DIMS];
        Arrays.fill(start, 0.5);
        CmaesSearch generational = new CmaesSearch(start, 8, 21);
        CmaesSearch steady = new CmaesSearch(start, 8, 21);
        UnitEvaluator eval = (generation, units) -> units.stream().map(u -> scored(new Proposal(0, u))).toList();
        generational.start(eval);
        generational.next(1, eval);
        Random order = new Random(3);
        for (int g = 0; g < 2; g++) {
            List<Proposal> asks = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                asks.add(steady.ask());
            }
            while (!asks.isEmpty()) { // told in a random order: the update ranks by cost, so the order does not matter
                Proposal p = asks.remove(order.nextInt(asks.size()));
                steady.tell(p, scored(p));
            }
        }
        assertArrayEquals(generational.ask().unit(), steady.ask().unit(), 1e-12);
    }

    @Test
    void resumeRebuildsThePopulationFromTheJournal() {
        SteadyGenetic<Double> ga = new SteadyGenetic<>(GaOperators.genetic(), DIMS, 8, 4);
        List<double[]> units = new ArrayList<>();
        List<Candidate> journal = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Proposal p = ga.ask();
            Candidate c = scored(p);
            ga.tell(p, c);
            units.add(p.unit());
            journal.add(c);
        }
        SteadyGenetic<Double> resumed = new SteadyGenetic<>(GaOperators.genetic(), DIMS, 8, 4);
        resumed.resume(units, journal);
        // Truncation keeps the best 8 of everything told, whatever order: the same set as the uninterrupted run.
        assertEquals(ga.population().stream().map(Candidate::id).sorted().toList(),
                resumed.population().stream().map(Candidate::id).sorted().toList());
        // An unaltered child repeats a member's genome and is not kept twice: the best 8 distinct genomes, first copies.
        List<String> best8 = journal.stream().filter(c -> journal.stream().filter(d -> d.key().equals(c.key())).findFirst().get() == c)
                .sorted((x, y) -> Double.compare(y.fitness(), x.fitness())).limit(8).map(Candidate::id).sorted().toList();
        assertEquals(best8, resumed.population().stream().map(Candidate::id).sorted().toList());
    }
}
