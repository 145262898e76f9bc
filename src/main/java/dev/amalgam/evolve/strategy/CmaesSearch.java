package dev.amalgam.evolve.strategy;

import dev.amalgam.history.Candidate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * CMA-ES (Hansen's {@code purecma} ask/tell update, rank-mu and rank-one, cumulative step-size adaptation) on the
 * unit cube, as mergekit-evolve's baseline optimiser. Samples outside the cube are scored at their clipped point
 * and ranked with a penalty of their squared distance to it, so the distribution is pulled back inside instead of
 * piling up on a clamp edge. Minimises -fitness.
 *
 * <p>One candidate at a time ({@link SteadySearch}): each ask samples the current distribution, and the distribution is
 * updated from every λ results told, whichever arrive (asynchronous ask/tell: results of samples drawn from an older
 * distribution count like the others, so no worker waits for a generation). The generational step is λ asks, one
 * batch evaluation and λ tells in ask order.
 */
public final class CmaesSearch implements SearchStrategy, SteadySearch {
    static final double SIGMA0 = 0.3;

    private final long seed;
    private RandomGenerator rng;
    private final int n;
    private final int lambda;
    private final int mu;
    private final double[] weights;  // [mu]
    private final double mueff;
    private final double cc;
    private final double cs;
    private final double c1;
    private final double cmu;
    private final double damps;
    private final double chiN;
    private final double[] mean;     // [n]
    private double sigma = SIGMA0;
    private final double[][] c;      // covariance [n][n]
    private final double[][] b;      // eigenvectors as columns [n][n]
    private final double[] d;        // sqrt of eigenvalues [n]
    private final double[] pc;       // [n]
    private final double[] ps;       // [n]
    private long counteval;
    private long asked;
    private final Map<Long, double[]> pending = new HashMap<>(); // serial -> unclipped sample [n], until told
    private final List<double[]> told = new ArrayList<>();       // unclipped samples since the last update
    private final List<Double> costs = new ArrayList<>();        // their costs
    private final Deque<Candidate> recent = new ArrayDeque<>();  // the last lambda results

    /** @param initial the starting mean in the unit cube, [n] */
    CmaesSearch(double[] initial, int lambda, long seed) {
        this.seed = seed;
        this.rng = SearchStrategy.generator(seed);
        this.n = initial.length;
        this.lambda = lambda;
        this.mu = lambda / 2;
        this.weights = new double[mu];
        double sum = 0;
        for (int i = 0; i < mu; i++) {
            weights[i] = Math.log(mu + 0.5) - Math.log(i + 1);
            sum += weights[i];
        }
        double squares = 0;
        for (int i = 0; i < mu; i++) {
            weights[i] /= sum;
            squares += weights[i] * weights[i];
        }
        mueff = 1 / squares;
        cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n);
        cs = (mueff + 2) / (n + mueff + 5);
        c1 = 2 / ((n + 1.3) * (n + 1.3) + mueff);
        cmu = Math.min(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) * (n + 2) + mueff));
        damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
        chiN = Math.sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
        mean = initial.clone();
        c = new double[n][n];
        b = new double[n][n];
        d = new double[n];
        for (int i = 0; i < n; i++) {
            c[i][i] = 1;
            b[i][i] = 1;
            d[i] = 1;
        }
        pc = new double[n];
        ps = new double[n];
    }

    @Override
    public List<Candidate> start(UnitEvaluator evaluator) {
        return step(0, evaluator);
    }

    @Override
    public List<Candidate> next(int generation, UnitEvaluator evaluator) {
        return step(generation, evaluator);
    }

    private List<Candidate> step(int generation, UnitEvaluator evaluator) {
        List<Proposal> asks = new ArrayList<>(lambda);
        for (int k = 0; k < lambda; k++) {
            asks.add(ask());
        }
        List<Candidate> scored = evaluator.evaluate(generation, asks.stream().map(Proposal::unit).toList());
        for (int k = 0; k < lambda; k++) {
            tell(asks.get(k), scored.get(k));
        }
        return scored;
    }

    /** A sample x = mean + sigma B D z of the current distribution; the proposal is x clipped to the unit cube. */
    @Override
    public Proposal ask() {
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = d[i] * rng.nextGaussian();
        }
        double[] x = new double[n];
        double[] clip = new double[n];
        for (int i = 0; i < n; i++) {
            double y = 0;
            for (int j = 0; j < n; j++) {
                y += b[i][j] * z[j];
            }
            x[i] = mean[i] + sigma * y;
            clip[i] = Math.clamp(x[i], 0, 1);
        }
        pending.put(asked, x);
        return new Proposal(asked++, clip);
    }

    /** Collects the result; every λ-th result updates the distribution from the λ collected. */
    @Override
    public void tell(Proposal proposal, Candidate scored) {
        double[] clipped = proposal.unit();
        double[] x = pending.remove(proposal.serial());
        if (x == null) {
            x = clipped; // a journalled point on resume: its unclipped sample is not journalled, so no penalty
        }
        double penalty = 0;
        for (int i = 0; i < n; i++) {
            double out = x[i] - clipped[i];
            penalty += out * out;
        }
        told.add(x);
        costs.add(-scored.fitness() + penalty);
        recent.addLast(scored);
        if (recent.size() > lambda) {
            recent.removeFirst();
        }
        if (told.size() == lambda) {
            update(told.toArray(double[][]::new), costs.stream().mapToDouble(Double::doubleValue).toArray());
            told.clear();
            costs.clear();
        }
    }

    @Override
    public void resumed(int results) {
        asked = results;
        rng = SteadySearch.resumedGenerator(seed, results);
    }

    @Override
    public List<Candidate> population() {
        return List.copyOf(recent);
    }

    /** The CMA-ES update from samples {@code xs} [lambda][n] and their costs {@code f} [lambda] (lower is better). */
    private void update(double[][] xs, double[] f) {
        counteval += lambda;
        Integer[] order = new Integer[lambda];
        for (int k = 0; k < lambda; k++) {
            order[k] = k;
        }
        Arrays.sort(order, Comparator.comparingDouble(k -> f[k]));
        double[] old = mean.clone();
        Arrays.fill(mean, 0);
        for (int r = 0; r < mu; r++) {
            for (int i = 0; i < n; i++) {
                mean[i] += weights[r] * xs[order[r]][i];
            }
        }
        double[] yw = new double[n];
        for (int i = 0; i < n; i++) {
            yw[i] = (mean[i] - old[i]) / sigma;
        }
        // C^(-1/2) yw = B diag(1/d) B^T yw
        double[] t = new double[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += b[i][j] * yw[i];
            }
            t[j] = s / d[j];
        }
        double csn = Math.sqrt(cs * (2 - cs) * mueff);
        double psNorm = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += b[i][j] * t[j];
            }
            ps[i] = (1 - cs) * ps[i] + csn * s;
            psNorm += ps[i] * ps[i];
        }
        psNorm = Math.sqrt(psNorm);
        boolean hsig = psNorm / Math.sqrt(1 - Math.pow(1 - cs, 2.0 * counteval / lambda)) / chiN < 1.4 + 2.0 / (n + 1);
        double ccn = Math.sqrt(cc * (2 - cc) * mueff);
        for (int i = 0; i < n; i++) {
            pc[i] = (1 - cc) * pc[i] + (hsig ? ccn * yw[i] : 0);
        }
        double c1a = c1 * (1 - (hsig ? 0 : cc * (2 - cc)));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double rankMu = 0;
                for (int r = 0; r < mu; r++) {
                    double[] x = xs[order[r]];
                    rankMu += weights[r] * (x[i] - old[i]) * (x[j] - old[j]);
                }
                double v = (1 - c1a - cmu) * c[i][j] + c1 * pc[i] * pc[j] + cmu * rankMu / (sigma * sigma);
                c[i][j] = v;
                c[j][i] = v;
            }
        }
        sigma *= Math.exp(Math.min(1, (cs / damps) * (psNorm / chiN - 1)));
        SymmetricEigen.decompose(c, b, d);
        for (int i = 0; i < n; i++) {
            d[i] = Math.sqrt(Math.max(d[i], 1e-20));
        }
    }
}
