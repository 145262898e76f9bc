package dev.amalgam.report;

import dev.amalgam.history.Candidate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Which genes the fitness was sensitive to, from a linear regression of fitness on the genes over every journalled
 * candidate with a fitness: genes and fitness are standardised, the coefficients are those of a ridge regression
 * ({@link #RIDGE}, so that a run with fewer candidates than genes, or genes the search moved together, still has an
 * answer), and each gene's share of the explained variance is Pratt's measure beta_j * r_j (its standardised
 * coefficient times its correlation with fitness). Without the ridge term the shares sum to the regression's R^2;
 * a share near zero or negative means the gene explains nothing beyond the others.
 *
 * <p>The candidates are the search's samples, not a designed experiment: a gene the search fixed early has little
 * spread and so little measured importance, and an in-sample R^2 over many genes and few candidates is optimistic.
 *
 * @param rows       one per gene with spread, by share (largest first)
 * @param rSquared   in-sample R^2 of the fit
 * @param candidates the candidates fitted
 * @param constant   genes with no spread over the candidates (nothing to measure)
 */
record GeneImportance(List<Row> rows, double rSquared, int candidates, List<String> constant) {
    /** Ridge penalty on standardised genes (relative to the n-normalised Gram matrix, whose diagonal is 1). */
    static final double RIDGE = 1e-3;
    /** Fewer candidates than this measure nothing worth showing. */
    static final int MIN_CANDIDATES = 10;

    /**
     * @param coefficient standardised regression coefficient (fitness s.d. per gene s.d.)
     * @param correlation Pearson correlation of the gene with fitness
     * @param share       beta * r: the gene's share of the fitness variance the regression explains
     */
    record Row(String gene, double coefficient, double correlation, double share) {
    }

    /** The importance of {@code genes} (column names, in candidate gene order) over {@code candidates}. */
    static GeneImportance of(List<String> genes, List<Candidate> candidates) {
        List<Candidate> fitted = candidates.stream().filter(c -> !Double.isNaN(c.fitness())).toList();
        int n = fitted.size();
        double[] y = standardised(fitted.stream().mapToDouble(Candidate::fitness).toArray());
        List<Integer> varying = new ArrayList<>();
        List<String> constant = new ArrayList<>();
        List<double[]> columns = new ArrayList<>();
        for (int j = 0; j < genes.size(); j++) {
            int gene = j;
            double[] column = standardised(fitted.stream().mapToDouble(c -> c.genes()[gene]).toArray());
            if (column == null) {
                constant.add(genes.get(j));
            } else {
                varying.add(j);
                columns.add(column);
            }
        }
        if (y == null || columns.isEmpty()) {
            return new GeneImportance(List.of(), 0, n, genes.stream().filter(g -> y == null || constant.contains(g)).toList());
        }
        int p = columns.size();
        double[][] gram = new double[p][p];  // X'X / n + ridge I, [p][p]
        double[] xy = new double[p];         // X'y / n = the correlations, [p]
        for (int a = 0; a < p; a++) {
            for (int b = 0; b <= a; b++) {
                gram[a][b] = gram[b][a] = dot(columns.get(a), columns.get(b)) / n;
            }
            gram[a][a] += RIDGE;
            xy[a] = dot(columns.get(a), y) / n;
        }
        double[] beta = solve(gram, xy);
        double[] fit = new double[n];
        for (int a = 0; a < p; a++) {
            for (int i = 0; i < n; i++) {
                fit[i] += beta[a] * columns.get(a)[i];
            }
        }
        double sse = 0;
        for (int i = 0; i < n; i++) {
            sse += (y[i] - fit[i]) * (y[i] - fit[i]);
        }
        List<Row> rows = new ArrayList<>();
        for (int a = 0; a < p; a++) {
            rows.add(new Row(genes.get(varying.get(a)), beta[a], xy[a], beta[a] * xy[a]));
        }
        rows.sort(Comparator.comparingDouble(Row::share).reversed());
        return new GeneImportance(List.copyOf(rows), 1 - sse / n, n, List.copyOf(constant));
    }

    /** (v - mean) / s.d. (population), or null when v has no spread. */
    private static double[] standardised(double[] v) {
        if (v.length < 2) {
            return null;
        }
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        double sd = Math.sqrt(var / v.length);
        if (!(sd > 1e-12)) {
            return null;
        }
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (v[i] - mean) / sd;
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Solves the symmetric positive definite system A x = b by Cholesky (A = L L'); A is not modified. */
    private static double[] solve(double[][] a, double[] b) {
        int p = b.length;
        double[][] l = new double[p][p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        double[] z = new double[p];
        for (int i = 0; i < p; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * z[k];
            }
            z[i] = s / l[i][i];
        }
        double[] x = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < p; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }

    /** Whether there is something to show: genes with spread and at least {@link #MIN_CANDIDATES} candidates. */
    boolean measured() {
        return !rows.isEmpty() && candidates >= MIN_CANDIDATES;
    }

    /** The {@code top} genes as summary lines. */
    List<String> lines(int top) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "  gene importance (regression of fitness on genes over %d candidates, R^2 %.2f):",
                candidates, rSquared));
        rows.stream().limit(top).forEach(r -> out.add(String.format(Locale.ROOT, "    %-34s %5.1f%% of variance (beta %+.2f)",
                r.gene(), 100 * r.share(), r.coefficient())));
        return out;
    }
}
