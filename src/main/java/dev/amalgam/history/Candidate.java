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
 * @param worker       who scored it: {@code local}, or a cluster worker's name
 * @param startedAt    when scoring began, seconds since the epoch ({@code NaN} if unknown, e.g. an older journal)
 * @param endedAt      when scoring ended, seconds since the epoch ({@code NaN} if unknown)
 * @param failure      why scoring failed (one line), empty when it did not
 * @param cost         how much of the search split it was scored on
 */
public record Candidate(int generation, String id, String key, double[] genes, double[] tasks, double fitness,
                        double mergeSeconds, double scoreSeconds, String worker, double startedAt, double endedAt, String failure,
                        Cost cost) {
    /** The worker of a candidate scored in the search's own process. */
    public static final String LOCAL = "local";

    /**
     * What scoring a candidate cost, and whether its fitness is a partial estimate.
     *
     * @param items   search-split documents it was scored on (0: not recorded, a journal written before 0.2)
     * @param tokens  forward-pass tokens run for it (shared contexts counted once, as run)
     * @param partial true when its fitness is an estimate from a subset of the items ({@code evaluation.fitness}
     *                racing dropped it, or anchors scored it on the anchors only)
     */
    public record Cost(int items, long tokens, boolean partial) implements java.io.Serializable {
        /** An older journal's candidate, or one whose scorer does not count. */
        public static final Cost UNKNOWN = new Cost(0, 0, false);

        public Cost {
            if (items < 0 || tokens < 0) {
                throw new IllegalArgumentException("items and tokens must be >= 0, got " + items + ", " + tokens);
            }
        }
    }

    public Candidate {
        if (cost == null) {
            throw new IllegalArgumentException("a candidate needs a cost (Cost.UNKNOWN when not recorded)");
        }
        if (generation < 0 || id == null || id.isBlank() || key == null || key.isBlank()) {
            throw new IllegalArgumentException("a candidate needs a generation >= 0, an id and a genome key");
        }
        if (worker == null || worker.isBlank() || failure == null) {
            throw new IllegalArgumentException("a candidate needs a worker name and a failure text (empty for none)");
        }
        genes = genes.clone();
        tasks = tasks.clone();
        failure = oneLine(failure);
        worker = oneLine(worker);
    }

    /** A candidate scored locally at an unknown time, without failure. */
    public Candidate(int generation, String id, String key, double[] genes, double[] tasks, double fitness,
                     double mergeSeconds, double scoreSeconds) {
        this(generation, id, key, genes, tasks, fitness, mergeSeconds, scoreSeconds, LOCAL, Double.NaN, Double.NaN, "", Cost.UNKNOWN);
    }

    /** A journal cell holds one line without CSV quoting: commas, quotes and line breaks become spaces. */
    private static String oneLine(String text) {
        return text.replaceAll("[\\r\\n,\"]+", " ").strip();
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
