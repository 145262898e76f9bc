package dev.amalgam.evolve.strategy;

import dev.amalgam.history.Candidate;
import io.jenetics.DoubleChromosome;
import io.jenetics.DoubleGene;
import io.jenetics.Genotype;
import io.jenetics.Phenotype;
import io.jenetics.engine.Engine;
import io.jenetics.engine.EvolutionStart;
import io.jenetics.util.Factory;
import io.jenetics.util.ISeq;
import io.jenetics.util.RandomRegistry;
import io.jenetics.util.Seq;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The Jenetics strategies on one {@code DoubleChromosome} over the unit cube (one gene per searched number, so
 * crossover mixes whole candidates): the GA on the weighted fitness, and NSGA-II with one objective per task, with
 * the operators of {@link GaOperators}. Jenetics runs on the calling thread ({@code executor(Runnable::run)}) inside
 * {@code RandomRegistry.with(rng)}, so runs are reproducible.
 *
 * @param <C> the fitness type: Double (GA) or a task-score Vec (NSGA-II)
 */
public final class JeneticsSearch<C extends Comparable<? super C>> implements SearchStrategy {
    private final RandomGenerator rng;
    private final Engine<DoubleGene, C> engine;
    private final Factory<Genotype<DoubleGene>> factory;
    private final int population;
    private final Function<Candidate, C> fitness;
    private EvolutionStart<DoubleGene, C> start;
    private UnitEvaluator evaluator; // the one the engine's evaluation callback uses in this step
    private int generation;
    private List<Candidate> last = List.of();

    JeneticsSearch(GaOperators<C> operators, int dims, int population, long seed) {
        this.rng = SearchStrategy.generator(seed);
        this.population = population;
        this.fitness = operators.fitness();
        this.factory = Genotype.of(DoubleChromosome.of(0, 1, dims));
        this.engine = new Engine.Builder<>(this::evaluate, factory)
                .survivorsSelector(operators.survivors())
                .offspringSelector(operators.offspring())
                .populationSize(population)
                .alterers(operators.alterer())
                .executor(Runnable::run)
                .maximizing()
                .build();
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
