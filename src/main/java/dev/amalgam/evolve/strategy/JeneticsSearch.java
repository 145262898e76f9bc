package dev.amalgam.evolve.strategy;

import dev.amalgam.history.Candidate;
import io.jenetics.DoubleChromosome;
import io.jenetics.DoubleGene;
import io.jenetics.EliteSelector;
import io.jenetics.GaussianMutator;
import io.jenetics.Genotype;
import io.jenetics.IntermediateCrossover;
import io.jenetics.Phenotype;
import io.jenetics.TournamentSelector;
import io.jenetics.engine.Engine;
import io.jenetics.engine.EvolutionStart;
import io.jenetics.ext.moea.NSGA2Selector;
import io.jenetics.ext.moea.Vec;
import io.jenetics.util.Factory;
import io.jenetics.util.ISeq;
import io.jenetics.util.RandomRegistry;
import io.jenetics.util.Seq;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * The Jenetics strategies on one {@code DoubleChromosome} over the unit cube (one gene per searched number, so
 * crossover mixes whole candidates): the GA on the weighted fitness, and NSGA-II with one objective per task.
 *
 * <p>GA defaults: elitism of 2 plus tournament(3) survivors, tournament(3) offspring selection,
 * {@link IntermediateCrossover} (p 0.5) and {@link GaussianMutator} (p 0.15). Measured on the synthetic 36-gene problem
 * of the tests (population 16, 15 generations, mean final best over 10 seeds, initial 0.9212): intermediate 0.9643,
 * line 0.9630, mean alterer 0.9619, mutation 0.05 / 0.4: 0.9632 / 0.9642, no elitism 0.9608. The differences are small;
 * elitism and a blending crossover are what count. Jenetics runs on the
 * calling thread ({@code executor(Runnable::run)}) inside {@code RandomRegistry.with(rng)}, so runs are reproducible.
 *
 * @param <C> the fitness type: Double (GA) or a task-score Vec (NSGA-II)
 */
public final class JeneticsSearch<C extends Comparable<? super C>> implements SearchStrategy {
    static final int ELITES = 2;
    static final int TOURNAMENT = 3;
    static final double CROSSOVER = 0.5;
    static final double MUTATION = 0.15;

    private final RandomGenerator rng;
    private final Engine<DoubleGene, C> engine;
    private final Factory<Genotype<DoubleGene>> factory;
    private final int population;
    private final Function<Candidate, C> fitness;
    private EvolutionStart<DoubleGene, C> start;
    private UnitEvaluator evaluator; // the one the engine's evaluation callback uses in this step
    private int generation;
    private List<Candidate> last = List.of();

    private JeneticsSearch(int dims, int population, long seed, Function<Candidate, C> fitness,
                           Function<Engine.Builder<DoubleGene, C>, Engine.Builder<DoubleGene, C>> selectors) {
        this.rng = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        this.population = population;
        this.fitness = fitness;
        this.factory = Genotype.of(DoubleChromosome.of(0, 1, dims));
        this.engine = selectors.apply(new Engine.Builder<>(this::evaluate, factory))
                .populationSize(population)
                .alterers(new IntermediateCrossover<>(CROSSOVER), new GaussianMutator<>(MUTATION))
                .executor(Runnable::run)
                .maximizing()
                .build();
    }

    static JeneticsSearch<Double> genetic(int dims, int population, long seed) {
        return new JeneticsSearch<>(dims, population, seed, Candidate::fitness,
                b -> b.survivorsSelector(new EliteSelector<DoubleGene, Double>(ELITES, new TournamentSelector<>(TOURNAMENT)))
                        .offspringSelector(new TournamentSelector<>(TOURNAMENT)));
    }

    /** NSGA-II: task scores as a Vec (negated for negative weights, so every objective is maximised). */
    static JeneticsSearch<Vec<double[]>> nsga2(int dims, int population, long seed, double[] signs) {
        return new JeneticsSearch<>(dims, population, seed, c -> Vec.of(signed(c.tasks(), signs)),
                b -> b.survivorsSelector(NSGA2Selector.ofVec()).offspringSelector(new TournamentSelector<>(TOURNAMENT)));
    }

    private static double[] signed(double[] scores, double[] signs) {
        double[] out = new double[scores.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = signs[i] * scores[i];
        }
        return out;
    }

    @Override
    public List<Candidate> start(UnitEvaluator evaluator) {
        this.evaluator = evaluator;
        this.generation = 0;
        ISeq<Phenotype<DoubleGene, C>> initial = RandomRegistry.with(rng).call(() ->
                factory.instances().limit(population).map(g -> Phenotype.<DoubleGene, C>of(g, 1)).collect(ISeq.toISeq()));
        start = EvolutionStart.of(evaluate(initial), 1);
        return last;
    }

    @Override
    public List<Candidate> next(int generation, UnitEvaluator evaluator) {
        this.evaluator = evaluator;
        this.generation = generation;
        start = RandomRegistry.with(rng).call(() -> engine.evolve(start)).next();
        return last;
    }

    /** The engine's batch evaluation: the whole population in one call; cached genomes are answered by the cache. */
    private ISeq<Phenotype<DoubleGene, C>> evaluate(Seq<Phenotype<DoubleGene, C>> pop) {
        List<double[]> units = new ArrayList<>(pop.size());
        for (Phenotype<DoubleGene, C> p : pop) {
            units.add(p.genotype().chromosome().as(DoubleChromosome.class).toArray());
        }
        List<Candidate> scored = evaluator.evaluate(generation, units);
        last = scored;
        List<Phenotype<DoubleGene, C>> out = new ArrayList<>(pop.size());
        for (int i = 0; i < pop.size(); i++) {
            out.add(pop.get(i).withFitness(fitness.apply(scored.get(i))));
        }
        return ISeq.of(out);
    }
}
