package dev.amalgam.history;

/**
 * One evaluated point of a search: a row of {@code candidates.csv}.
 *
 * @param generation   the generation it was first evaluated in
 * @param id           {@code g<generation>-c<index>}, unique in the run (a label: nothing parses it)
 * @param key          the genome key of {@code genes} (equal genes, equal key)
 * @param genes        gene values within the genes' bounds, [genes] in genome order
 * @param tasks        search-split score per task, [tasks] in config order
 * @param fitness      the weighted objective ({@code NaN} if scoring failed)
 * @param mergeSeconds time to materialise its weights
 * @param scoreSeconds time to score them
 */
public record Candidate(int generation, String id, String key, double[] genes, double[] tasks, double fitness,
                        double mergeSeconds, double scoreSeconds) {
    public Candidate {
        if (generation < 0 || id == null || id.isBlank() || key == null || key.isBlank()) {
            throw new IllegalArgumentException("a candidate needs a generation >= 0, an id and a genome key");
        }
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

    /** Merge plus scoring time. */
    public double seconds() {
        return mergeSeconds + scoreSeconds;
    }
}
