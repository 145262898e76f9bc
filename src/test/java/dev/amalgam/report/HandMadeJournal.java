package dev.amalgam.report;

import dev.amalgam.history.JournalTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A search journal with known values, written by hand (not by amalgam evolve; only the headers come from
 * {@link JournalTable}, the one column definition): 3 generations of 4
 * candidates over 2 models and 2 tasks. Candidate k (0..11, generation k/4, index k%4) has fitness
 * {@link #FITNESS}[k], task scores fitness +/- 0.05, genes {@link #gene}(k, j), merge 2+0.1k s, scoring 5+0.2k s.
 */
final class HandMadeJournal {
    static final double[] FITNESS = {0.40, 0.52, 0.47, 0.35, 0.58, 0.61, 0.44, 0.50, 0.66, 0.59, 0.71, 0.63};
    static final List<String> GENES = List.of("weight/ft-a/g0", "weight/ft-a/g1", "weight/ft-b/g0", "weight/ft-b/g1",
            "density/ft-b/g1/mlp");
    static final List<String> TASKS = List.of("arc_easy", "mmlu");
    /** heldout.csv: candidate k, held-out fitness, in rank order. */
    static final int[] HELDOUT_K = {10, 8, 11};
    static final double[] HELDOUT_FITNESS = {0.69, 0.67, 0.60};
    static final int POPULATION = 4;
    static final int GENERATIONS = 3;

    private HandMadeJournal() {
    }

    static double gene(int k, int j) {
        return Math.round((0.1 + 0.05 * k + 0.05 * j) * 1000) / 1000.0;
    }

    static String id(int k) {
        return "g" + k / POPULATION + "-c" + k % POPULATION;
    }

    /** Writes a finished run (ga, or nsga2 with a Pareto front) with parent scores and held-out re-scoring. */
    static Path write(Path dir, boolean nsga2) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("run.yaml"), runYaml(nsga2 ? "nsga2" : "ga", true));
        Files.writeString(dir.resolve("candidates.csv"), candidatesCsv(FITNESS.length));
        Files.writeString(dir.resolve("generations.csv"), generationsCsv(GENERATIONS));
        StringBuilder heldout = new StringBuilder(header(JournalTable.HELDOUT));
        for (int r = 0; r < HELDOUT_K.length; r++) {
            heldout.append(String.format(Locale.ROOT, "%d,%s,%s,%s,%s,%s%n", r + 1, id(HELDOUT_K[r]),
                    FITNESS[HELDOUT_K[r]], HELDOUT_FITNESS[r], HELDOUT_FITNESS[r] + 0.01, HELDOUT_FITNESS[r] - 0.01));
        }
        Files.writeString(dir.resolve("heldout.csv"), heldout);
        if (nsga2) {
            // front: k = 10 (exported), 5, 8
            Files.writeString(dir.resolve("pareto.csv"), header(JournalTable.PARETO)
                    + "g2-c2,0.76,0.66,true\ng1-c1,0.50,0.72,false\ng2-c0,0.71,0.69,false\n");
        }
        return dir;
    }

    static String header(JournalTable table) {
        return String.join(",", table.header(GENES, TASKS)) + "\n";
    }

    static String runYaml(String strategy, boolean parents) {
        StringBuilder yaml = new StringBuilder("""
                amalgam_version: 0.1.0
                strategy: %s
                seed: 7
                started_at: 2026-11-24T07:00:00Z
                population: 4
                generations: 3
                tasks:
                  - {name: arc_easy, weight: 1.0, metric: acc_norm}
                  - {name: mmlu, weight: 1.0, metric: acc}
                genes:
                """.formatted(strategy));
        for (String gene : GENES) {
            yaml.append("  - {name: ").append(gene).append(", min: 0.0, max: 1.0}\n");
        }
        if (parents) {
            yaml.append("parents:\n  - {model: ft-a, fitness: 0.50, heldout_fitness: 0.48}\n")
                    .append("  - {model: ft-b, fitness: 0.55, heldout_fitness: 0.52}\n");
        }
        return yaml.toString();
    }

    /**
     * The first {@code rows} candidates (rows may exceed 12 for a generation in progress: fitness 0.3), as version 0.1
     * wrote them: without the worker, started_at, ended_at, failure, items_scored, tokens_scored and partial columns
     * added since (the reader fills them in).
     */
    static String candidatesCsv(int rows) {
        List<String> added = List.of("worker", "started_at", "ended_at", "failure", "items_scored", "tokens_scored", "partial");
        StringBuilder csv = new StringBuilder(JournalTable.CANDIDATES.header(GENES, TASKS).stream().filter(c -> !added.contains(c))
                .collect(java.util.stream.Collectors.joining(",")) + "\n");
        for (int k = 0; k < rows; k++) {
            double fitness = k < FITNESS.length ? FITNESS[k] : 0.3;
            csv.append(k / POPULATION).append(',').append(id(k)).append(',').append(String.format("%08x", k * 7919));
            for (int j = 0; j < GENES.size(); j++) {
                csv.append(',').append(gene(k, j));
            }
            double merge = 2 + 0.1 * k;
            double score = 5 + 0.2 * k;
            csv.append(String.format(Locale.ROOT, ",%.2f,%.2f,%s,%.1f,%.1f,%.1f%n", fitness + 0.05, fitness - 0.05,
                    fitness, merge, score, merge + score));
        }
        return csv.toString();
    }

    /** Who scored candidate k, when, and why it failed (empty: it did not; its scores are then NaN). */
    record Scoring(String worker, double startedAt, double endedAt, String failure) {
    }

    /** {@link #write} (a ga run), with the worker columns of a cluster run: candidate k scored as {@code scoring}(k). */
    static Path writeClustered(Path dir, java.util.function.IntFunction<Scoring> scoring) throws IOException {
        write(dir, false);
        StringBuilder csv = new StringBuilder(header(JournalTable.CANDIDATES));
        List<String> rows = candidatesCsv(FITNESS.length).lines().skip(1).toList();
        for (int k = 0; k < rows.size(); k++) {
            Scoring s = scoring.apply(k);
            String row = rows.get(k);
            if (!s.failure().isEmpty()) { // a failed candidate has no scores: tasks and fitness are NaN
                String[] cells = row.split(",", -1);
                int tasks = 3 + GENES.size();
                cells[tasks] = cells[tasks + 1] = cells[tasks + 2] = "NaN";
                row = String.join(",", cells);
            }
            csv.append(row).append(String.format(Locale.ROOT, ",%s,%.4f,%.4f,%s,0,0,false%n", s.worker(), s.startedAt(), s.endedAt(),
                    s.failure())); // items_scored, tokens_scored, partial: not counted
        }
        Files.writeString(dir.resolve("candidates.csv"), csv);
        return dir;
    }

    /** The first {@code rows} generations' statistics, computed from {@link #FITNESS}. */
    static String generationsCsv(int rows) {
        StringBuilder csv = new StringBuilder(header(JournalTable.GENERATIONS));
        for (int g = 0; g < rows; g++) {
            double[] f = Arrays.copyOfRange(FITNESS, g * POPULATION, (g + 1) * POPULATION);
            double[] sorted = f.clone();
            Arrays.sort(sorted);
            double mean = Arrays.stream(f).average().orElseThrow();
            double std = Math.sqrt(Arrays.stream(f).map(x -> (x - mean) * (x - mean)).sum() / f.length);
            int bestK = g * POPULATION;
            for (int i = 0; i < POPULATION; i++) {
                if (FITNESS[g * POPULATION + i] > FITNESS[bestK]) {
                    bestK = g * POPULATION + i;
                }
            }
            csv.append(String.format(Locale.ROOT, "%d,%d,%s,%.4f,%.4f,%.4f,%s,%s,%.3f,%s,%.2f,%.2f,%.1f%n", g,
                    (g + 1) * POPULATION, sorted[3], mean, (sorted[1] + sorted[2]) / 2, std, sorted[0], sorted[3],
                    0.5 - 0.1 * g, id(bestK), FITNESS[bestK] + 0.05, FITNESS[bestK] - 0.05, 30.0 * (g + 1)));
        }
        return csv.toString();
    }
}
