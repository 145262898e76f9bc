package dev.amalgam.evolve;

/**
 * An evaluated point of the search.
 *
 * @param id      {@code g<generation>-c<index>} of its first evaluation
 * @param key     {@link GenomeKey} of {@code genes}
 * @param genes   gene values (within the genes' bounds), [genes]
 * @param tasks   search-split score per task, in config order, [tasks]
 * @param fitness the weighted objective
 */
public record Candidate(String id, String key, double[] genes, double[] tasks, double fitness) {
    public Candidate {
        genes = genes.clone();
        tasks = tasks.clone();
    }

    @Override
    public double[] genes() {
        return genes.clone();
    }

    @Override
    public double[] tasks() {
        return tasks.clone();
    }
}
