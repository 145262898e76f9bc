package dev.amalgam.evolve.strategy;

import dev.amalgam.history.Candidate;
import io.jenetics.Alterer;
import io.jenetics.DoubleChromosome;
import io.jenetics.DoubleGene;
import io.jenetics.Genotype;
import io.jenetics.Optimize;
import io.jenetics.Phenotype;
import io.jenetics.util.Factory;
import io.jenetics.util.ISeq;
import io.jenetics.util.RandomRegistry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Steady-state GA or NSGA-II with the generational engine's operators ({@link GaOperators}): it keeps a population of
 * the best {@code population} scored candidates; each ask after the first {@code population} (random, as generation 0
 * of the generational engine) breeds one child: two parents by the offspring selector from the current population,
 * crossover and mutation, the first of the two altered individuals. Each told child joins the population, which is
 * then truncated by the operators' ranking. Jenetics runs inside {@code RandomRegistry.with(rng)}, so the same asks and
 * tells give the same children.
 *
 * @param <C> the fitness type: Double (GA) or a task-score Vec (NSGA-II)
 */
public final class SteadyGenetic<C extends Comparable<? super C>> implements SteadySearch {
    private final GaOperators<C> operators;
    private final Alterer<DoubleGene, C> alterer;
    private final Factory<Genotype<DoubleGene>> factory;
    private final int size;
    private final long seed;
    private RandomGenerator rng;
    private ISeq<Phenotype<DoubleGene, C>> population = ISeq.empty();
    private final Map<Phenotype<DoubleGene, C>, Candidate> members = new IdentityHashMap<>(); // population -> its candidate
    private long asked;
    private long told;

    SteadyGenetic(GaOperators<C> operators, int dims, int population, long seed) {
        this.operators = operators;
        this.alterer = operators.alterer();
        this.factory = Genotype.of(DoubleChromosome.of(0, 1, dims));
        this.size = population;
        this.seed = seed;
        this.rng = SearchStrategy.generator(seed);
    }

    @Override
    public Proposal ask() {
        // Random until `population` were asked, and while fewer than two parents are scored (several workers at the start).
        boolean random = asked < size || population.size() < 2;
        Genotype<DoubleGene> child = RandomRegistry.with(rng).call(() -> random ? factory.newInstance() : breed());
        return new Proposal(asked++, child.chromosome().as(DoubleChromosome.class).toArray());
    }

    private Genotype<DoubleGene> breed() {
        long generation = told / size;
        ISeq<Phenotype<DoubleGene, C>> parents = operators.offspring().select(population, 2, Optimize.MAXIMUM);
        return alterer.alter(parents, generation).population().get(0).genotype();
    }

    @Override
    public void tell(Proposal asked, Candidate scored) {
        double[] unit = asked.unit();
        told++;
        for (Phenotype<DoubleGene, C> p : population) {
            if (Arrays.equals(unit, p.genotype().chromosome().as(DoubleChromosome.class).toArray())) {
                return; // already a member: a second copy would only narrow the population
            }
        }
        List<DoubleGene> genes = new ArrayList<>(unit.length);
        for (double u : unit) {
            genes.add(DoubleGene.of(u, 0, 1));
        }
        Phenotype<DoubleGene, C> child = Phenotype.of(Genotype.of(DoubleChromosome.of(genes)), told / size,
                operators.fitness().apply(scored));
        members.put(child, scored);
        ISeq<Phenotype<DoubleGene, C>> grown = population.append(ISeq.of(List.of(child)));
        population = grown.size() <= size ? grown
                : RandomRegistry.with(rng).call(() -> operators.truncation().select(grown, size, Optimize.MAXIMUM));
        Map<Phenotype<DoubleGene, C>, Candidate> kept = new IdentityHashMap<>();
        for (Phenotype<DoubleGene, C> p : population) {
            kept.put(p, members.get(p));
        }
        members.clear();
        members.putAll(kept);
    }

    @Override
    public void resumed(int results) {
        asked = results;
        rng = SteadySearch.resumedGenerator(seed, results);
    }

    @Override
    public List<Candidate> population() {
        return population.stream().map(members::get).toList();
    }
}
