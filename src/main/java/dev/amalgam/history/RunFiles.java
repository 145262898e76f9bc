package dev.amalgam.history;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The files of a run folder {@code results/<run>/}. The CSV tables among them and their columns are
 * {@link JournalTable}; {@code run.yaml} is the resolved search config plus the run's metadata, {@code best.yaml}
 * the exported recipe, {@code population/gen-NNNN.json} each complete generation's population (resume checks
 * its replay against them).
 */
public final class RunFiles {
    public static final String RUN = "run.yaml";
    public static final String BEST = "best.yaml";
    public static final String CANDIDATES = "candidates.csv";
    public static final String GENERATIONS = "generations.csv";
    public static final String HELDOUT = "heldout.csv";
    public static final String PARETO = "pareto.csv";
    public static final String BASELINES = "baselines.csv";
    static final String POPULATION = "population";

    private RunFiles() {
    }

    /** {@code population/gen-NNNN.json} of {@code generation}. */
    public static Path population(Path dir, int generation) {
        return dir.resolve(POPULATION).resolve(String.format(Locale.ROOT, "gen-%04d.json", generation));
    }
}
