package dev.amalgam.merge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Plain-Java reference implementations of the merge methods, written from the spec
 * (../shared/specs/merge-methods.md) on row-major double arrays. Inputs are the same fp32 values the
 * DJL code sees; task vectors are rounded to fp32 like the kernel's (so magnitude ranks agree), and
 * everything after that is double. Random masks come from {@link TensorRandom}, which defines them.
 */
final class ScalarReference {
    private ScalarReference() {
    }

    /** One input: its recipe index, its values (row-major) and its per-model parameters. */
    record Model(int index, float[] values, Map<String, Double> params) {
        double param(String name) {
            Double v = params.get(name);
            if (v == null) {
                throw new IllegalArgumentException("reference needs parameter " + name);
            }
            return v;
        }
    }

    // ---------------------------------------------------------------- linear, passthrough

    static double[] linear(List<Model> models, boolean normalize) {
        int n = models.getFirst().values().length;
        double[] r = new double[n];
        double weightSum = 0;
        for (Model m : models) {
            double w = m.param("weight");
            weightSum += w;
            for (int i = 0; i < n; i++) {
                r[i] += w * m.values()[i];
            }
        }
        if (normalize) {
            for (int i = 0; i < n; i++) {
                r[i] /= weightSum;
            }
        }
        return r;
    }

    static double[] passthrough(float[] x, double scale) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = scale * x[i];
        }
        return r;
    }

    // ---------------------------------------------------------------- slerp family

    static double[] slerp(float[] base, float[] other, double t) {
        double[] v0 = toDouble(base);
        double[] v1 = toDouble(other);
        double n0 = norm(v0);
        double n1 = norm(v1);
        double[] u0 = scaled(v0, n0 > 1e-8 ? 1 / n0 : 1);
        double[] u1 = scaled(v1, n1 > 1e-8 ? 1 / n1 : 1);
        double dot = dot(u0, u1);
        double c0;
        double c1;
        if (Math.abs(dot) > 0.9995) {
            c0 = 1 - t;
            c1 = t;
        } else {
            double theta = Math.acos(dot);
            c0 = Math.sin(theta - theta * t) / Math.sin(theta);
            c1 = Math.sin(theta * t) / Math.sin(theta);
        }
        double[] r = new double[v0.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = c0 * v0[i] + c1 * v1[i];
        }
        return r;
    }

    static double[] nuslerp(float[] base, Model first, Model second, int[] shape, boolean flatten, boolean rowWise) {
        double w1 = first.param("weight");
        double w2 = second.param("weight");
        double t = Math.abs(w1 + w2) < 1e-6 ? 0.5 : w2 / (w1 + w2);
        int n = first.values().length;
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = first.values()[i] - (base == null ? 0 : base[i]);
            b[i] = second.values()[i] - (base == null ? 0 : base[i]);
        }
        double[] r = new double[n];
        for (int[] vector : vectors(shape, flatten, rowWise)) {
            double[] va = gather(a, vector);
            double[] vb = gather(b, vector);
            double cos = dot(va, vb) / (Math.max(norm(va), 1e-7) * Math.max(norm(vb), 1e-7));
            double theta = Math.acos(Math.max(-1, Math.min(1, cos)));
            double sin = Math.sin(theta);
            for (int j = 0; j < vector.length; j++) {
                r[vector[j]] = Math.abs(sin) < 1e-8
                        ? (1 - t) * va[j] + t * vb[j]
                        : (Math.sin((1 - t) * theta) * va[j] + Math.sin(t * theta) * vb[j]) / sin;
            }
        }
        if (base != null) {
            for (int i = 0; i < n; i++) {
                r[i] += base[i];
            }
        }
        return r;
    }

    /** Index sets of the vectors: the whole tensor, each slice along dim 0 (row-wise), or each last-dim row. */
    private static List<int[]> vectors(int[] shape, boolean flatten, boolean rowWise) {
        int n = Arrays.stream(shape).reduce(1, (x, y) -> x * y);
        List<int[]> out = new ArrayList<>();
        if (flatten || shape.length < 2) {
            out.add(IntStream.range(0, n).toArray());
        } else if (rowWise) {
            int stride = n / shape[0];
            for (int offset = 0; offset < stride; offset++) {
                int o = offset;
                out.add(IntStream.range(0, shape[0]).map(i -> o + i * stride).toArray());
            }
        } else {
            int len = shape[shape.length - 1];
            for (int row = 0; row < n / len; row++) {
                out.add(IntStream.range(row * len, row * len + len).toArray());
            }
        }
        return out;
    }

    static double[] multislerp(float[] base, List<Model> models, boolean normalizeWeights, double eps) {
        int k = models.size();
        int n = models.getFirst().values().length;
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            w[i] = models.get(i).param("weight");
        }
        double ws = Arrays.stream(w).sum();
        if (normalizeWeights) {
            for (int i = 0; i < k; i++) {
                w[i] /= ws;
            }
        }
        double[][] v = new double[k][n];
        double[][] u = new double[k][];
        double[] norms = new double[k];
        double[] mean = new double[n];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                v[i][j] = models.get(i).values()[j] - (base == null ? 0 : base[j]);
            }
            norms[i] = norm(v[i]);
            u[i] = scaled(v[i], 1 / (norms[i] + eps));
            for (int j = 0; j < n; j++) {
                mean[j] += w[i] * u[i][j];
            }
        }
        double[] r = new double[n];
        double meanNorm = norm(mean);
        if (meanNorm < eps) {
            if (k != 2) {
                throw new IllegalStateException("antipodal");
            }
            for (int j = 0; j < n; j++) {
                r[j] = w[0] * v[0][j] + w[1] * v[1][j];
            }
        } else {
            double[] m = scaled(mean, 1 / meanNorm);
            double[] tangent = new double[n];
            double scale = 0;
            for (int i = 0; i < k; i++) {
                double along = dot(u[i], m);
                for (int j = 0; j < n; j++) {
                    tangent[j] += w[i] * (u[i][j] - along * m[j]);
                }
                scale += w[i] * norms[i];
            }
            double tau = norm(tangent) + eps;
            for (int j = 0; j < n; j++) {
                r[j] = (m[j] * Math.cos(tau) + tangent[j] * Math.sin(tau) / tau) * scale;
            }
        }
        if (base != null) {
            for (int j = 0; j < n; j++) {
                r[j] += base[j];
            }
        }
        return r;
    }

    static double[] karcher(List<float[]> inputs, int maxIter, double tol) {
        int n = inputs.getFirst().length;
        int count = inputs.size();
        List<double[]> units = new ArrayList<>();
        double scale = 0;
        for (float[] x : inputs) {
            double[] v = toDouble(x);
            double nv = norm(v);
            scale += nv / count;
            if (nv > tol) {
                units.add(scaled(v, 1 / nv));
            }
        }
        if (units.isEmpty()) {
            return new double[n];
        }
        double alpha = 1.0 / units.size();
        double[] u = new double[n];
        for (double[] ui : units) {
            for (int j = 0; j < n; j++) {
                u[j] += alpha * ui[j];
            }
        }
        double un = norm(u);
        u = un < tol ? units.getFirst().clone() : scaled(u, 1 / un);
        for (int iter = 0; iter < maxIter; iter++) {
            double[] tangent = new double[n];
            for (double[] ui : units) {
                double c = Math.max(-1, Math.min(1, dot(u, ui)));
                double theta = Math.acos(c);
                if (theta < tol) {
                    continue;
                }
                double f = alpha * theta / Math.sin(theta);
                for (int j = 0; j < n; j++) {
                    tangent[j] += f * (ui[j] - c * u[j]);
                }
            }
            double tn = norm(tangent);
            if (tn < tol) {
                break;
            }
            for (int j = 0; j < n; j++) {
                u[j] = Math.cos(tn) * u[j] + Math.sin(tn) * tangent[j] / tn;
            }
            double nu = norm(u);
            if (nu > tol) {
                u = scaled(u, 1 / nu);
            }
        }
        return scaled(u, scale);
    }

    // ---------------------------------------------------------------- generalised task arithmetic

    enum Sparsify { NONE, MAGNITUDE, RANDOM, OUTLIERS, DELLA }

    /** Spec 1.6 with Amalgam's fixes (k = 0 allowed, breadcrumbs n_top = 0, della rows of length 1). */
    static double[] taskArithmetic(Sparsify kind, boolean consensus, float[] base, List<Model> models, int[] shape,
                                   boolean normalize, boolean rescale, double lambda, long seed, String tensorName) {
        int n = base.length;
        int k = models.size();
        double[][] weighted = new double[k][];
        double[] w = new double[k];
        for (int i = 0; i < k; i++) {
            Model m = models.get(i);
            w[i] = m.param("weight");
            double[] delta = new double[n];
            for (int j = 0; j < n; j++) {
                delta[j] = (float) (m.values()[j] - base[j]); // the kernel's fp32 task vector
            }
            double[] sparse = sparsify(kind, delta, m, shape, rescale, seed, tensorName);
            weighted[i] = scaled(sparse, w[i]);
        }
        double[] r = new double[n];
        for (int j = 0; j < n; j++) {
            double mixed = 0;
            double divisor = 0;
            if (consensus) {
                double vote = 0;
                for (int i = 0; i < k; i++) {
                    vote += weighted[i][j];
                }
                double sign = vote >= 0 ? 1 : -1;
                for (int i = 0; i < k; i++) {
                    if (Math.signum(weighted[i][j]) == sign) {
                        mixed += weighted[i][j];
                        divisor += w[i];
                    }
                }
                if (divisor == 0) {
                    divisor = 1;
                }
            } else {
                for (int i = 0; i < k; i++) {
                    mixed += weighted[i][j];
                    divisor += w[i];
                }
                if (Math.abs(divisor) < 1e-8) {
                    divisor = 1;
                }
            }
            if (normalize) {
                mixed /= divisor;
            }
            r[j] = base[j] + lambda * mixed;
        }
        return r;
    }

    private static double[] sparsify(Sparsify kind, double[] delta, Model m, int[] shape, boolean rescale,
                                     long seed, String tensorName) {
        double d = m.param("density");
        if (kind == Sparsify.NONE || d >= 1) {
            return delta;
        }
        int n = delta.length;
        boolean[] keep = new boolean[n];
        switch (kind) {
            case MAGNITUDE -> {
                int[] desc = byMagnitude(delta, true);
                int target = (int) Math.floor(d * n);
                for (int i = 0; i < target; i++) {
                    keep[desc[i]] = true;
                }
            }
            case RANDOM -> {
                float[] u = TensorRandom.uniform(seed, m.index(), tensorName, n);
                for (int i = 0; i < n; i++) {
                    keep[i] = u[i] < (float) d;
                }
            }
            case OUTLIERS -> {
                int target = (int) Math.floor(d * n);
                int top = (int) Math.floor(m.param("gamma") * n);
                int bottom = n - target - top;
                if (bottom < 0) {
                    top += bottom;
                    bottom = 0;
                }
                int[] asc = byMagnitude(delta, false);
                for (int i = bottom; i < n - top; i++) {
                    keep[asc[i]] = true;
                }
            }
            case DELLA -> {
                if (d > 0) {
                    double eps = m.param("epsilon");
                    int len = shape.length < 2 ? n : shape[shape.length - 1];
                    float[] u = TensorRandom.uniform(seed, m.index(), tensorName, n);
                    for (int row = 0; row < n / len; row++) {
                        double[] rowValues = Arrays.copyOfRange(delta, row * len, row * len + len);
                        int[] asc = byMagnitude(rowValues, false);
                        for (int rank = 0; rank < len; rank++) {
                            double p = len == 1 ? d : (d - eps) + 2 * eps * rank / (len - 1);
                            int j = row * len + asc[rank];
                            keep[j] = u[j] < p;
                        }
                    }
                }
            }
            case NONE -> throw new AssertionError();
        }
        double[] kept = new double[n];
        double before = 0;
        double after = 0;
        for (int i = 0; i < n; i++) {
            kept[i] = keep[i] ? delta[i] : 0;
            before += Math.abs(delta[i]);
            after += Math.abs(kept[i]);
        }
        if (rescale && before >= 1e-7 && after >= 1e-7) {
            return scaled(kept, before / after);
        }
        return kept;
    }

    /** Indices ordered by |v| (descending or ascending), ties by index. */
    private static int[] byMagnitude(double[] v, boolean descending) {
        Comparator<Integer> order = Comparator.comparingDouble(i -> Math.abs(v[i]));
        if (descending) {
            order = order.reversed();
        }
        return IntStream.range(0, v.length).boxed().sorted(order).mapToInt(Integer::intValue).toArray();
    }

    // ---------------------------------------------------------------- sce, model_stock

    static double[] sce(float[] base, List<float[]> inputs, double selectTopk) {
        int k = inputs.size();
        int n = base.length;
        double[][] tau = new double[k][n];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                tau[i][j] = (float) (inputs.get(i)[j] - base[j]);
            }
        }
        if (selectTopk < 1) {
            double[] variance = new double[n];
            for (int j = 0; j < n; j++) {
                double mean = 0;
                for (int i = 0; i < k; i++) {
                    mean += tau[i][j] / k;
                }
                for (int i = 0; i < k; i++) {
                    variance[j] += (tau[i][j] - mean) * (tau[i][j] - mean) / k;
                }
            }
            long nonzero = Arrays.stream(variance).filter(v -> v != 0).count();
            int keep = (int) Math.floor(nonzero * selectTopk);
            int[] desc = byMagnitude(variance, true);
            boolean[] selected = new boolean[n];
            for (int i = 0; i < keep; i++) {
                selected[desc[i]] = true;
            }
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < n; j++) {
                    if (!selected[j]) {
                        tau[i][j] = 0;
                    }
                }
            }
        }
        double[] weight = new double[k];
        for (int i = 0; i < k; i++) {
            weight[i] = dot(tau[i], tau[i]) / n;
        }
        double total = Arrays.stream(weight).sum();
        for (int i = 0; i < k; i++) {
            weight[i] = total < 1e-6 ? 1.0 / k : weight[i] / total;
        }
        double[] r = new double[n];
        for (int j = 0; j < n; j++) {
            double vote = 0;
            for (int i = 0; i < k; i++) {
                vote += tau[i][j];
            }
            double sign = vote >= 0 ? 1 : -1;
            double num = 0;
            double den = 0;
            for (int i = 0; i < k; i++) {
                if (Math.signum(tau[i][j]) == sign) {
                    num += weight[i] * tau[i][j];
                    den += weight[i];
                }
            }
            r[j] = base[j] + num / Math.max(den, 1e-6);
        }
        return r;
    }

    static double[] modelStock(float[] base, List<float[]> inputs, int[] shape, boolean filterWise) {
        int n = base.length;
        int k = inputs.size();
        int len = filterWise && shape.length >= 2 ? shape[shape.length - 1] : n;
        double[] r = new double[n];
        for (int row = 0; row < n / len; row++) {
            int from = row * len;
            double cosSum = 0;
            int pairs = 0;
            for (int i = 0; i < k; i++) {
                for (int j = i + 1; j < k; j++) {
                    double[] oi = offset(inputs.get(i), base, from, len);
                    double[] oj = offset(inputs.get(j), base, from, len);
                    double c = dot(oi, oj) / Math.max(norm(oi) * norm(oj), 1e-6);
                    cosSum += Math.max(-1, Math.min(1, c));
                    pairs++;
                }
            }
            double cos = cosSum / pairs;
            double t = k * cos / (1 + (k - 1) * cos);
            for (int p = from; p < from + len; p++) {
                double mean = 0;
                for (float[] x : inputs) {
                    mean += x[p] / (double) k;
                }
                r[p] = t * mean + (1 - t) * base[p];
            }
        }
        return r;
    }

    private static double[] offset(float[] x, float[] base, int from, int len) {
        double[] o = new double[len];
        for (int i = 0; i < len; i++) {
            o[i] = (double) x[from + i] - base[from + i];
        }
        return o;
    }

    // ---------------------------------------------------------------- ram, nearswap, arcee_fusion

    static double[] nearswap(float[] base, float[] x, double t) {
        double[] r = new double[base.length];
        for (int i = 0; i < r.length; i++) {
            double w = Math.max(0, Math.min(1, t / Math.max(Math.abs((double) base[i] - x[i]), 1e-6)));
            r[i] = w * x[i] + (1 - w) * base[i];
        }
        return r;
    }

    /** RAM, or RAM+ tensor-local when {@code plus} (then r and alpha apply). */
    static double[] ram(float[] base, List<float[]> inputs, double epsilon, boolean plus, double r, double alpha) {
        int n = base.length;
        int k = inputs.size();
        double[][] tau = new double[k][n];
        boolean[][] active = new boolean[k][n];
        int[] count = new int[n];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                tau[i][j] = (float) (inputs.get(i)[j] - base[j]);
                active[i][j] = Math.abs(tau[i][j]) > (float) epsilon;
                count[j] += active[i][j] ? 1 : 0;
            }
        }
        double[] boost = new double[k];
        for (int i = 0; i < k; i++) {
            int shared = 0;
            int unique = 0;
            for (int j = 0; j < n; j++) {
                if (active[i][j]) {
                    shared += count[j] > 1 ? 1 : 0;
                    unique += count[j] == 1 ? 1 : 0;
                }
            }
            double rho = shared / Math.max(unique, epsilon);
            boost[i] = plus ? 1 + r * Math.max(0, Math.min(alpha, rho)) : 1;
        }
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            double merged = 0;
            for (int i = 0; i < k; i++) {
                if (active[i][j]) {
                    merged += count[j] == 1 ? boost[i] * tau[i][j] : tau[i][j] / count[j];
                }
            }
            out[j] = base[j] + merged;
        }
        return out;
    }

    /** arcee_fusion's result with the importance scores and threshold it used. */
    record Fusion(double[] result, double[] importance, double threshold) {
    }

    /** @param sample indices to take the quantiles over, or null for all elements */
    static Fusion arceeFusion(float[] base, float[] x, int[] shape, long[] sample) {
        int n = base.length;
        int len = shape[shape.length - 1];
        double[] importance = new double[n];
        for (int row = 0; row < n / len; row++) {
            double[] p = softmax(x, row * len, len);
            double[] q = softmax(base, row * len, len);
            double kl = 0;
            for (int j = 0; j < len; j++) {
                kl += (p[j] + 1e-8) * Math.log((p[j] + 1e-8) / (q[j] + 1e-8));
            }
            for (int j = 0; j < len; j++) {
                int i = row * len + j;
                importance[i] = Math.abs((double) x[i] - base[i]) * kl;
            }
        }
        double[] values = sample == null ? importance.clone()
                : Arrays.stream(sample).mapToDouble(i -> importance[(int) i]).toArray();
        Arrays.sort(values);
        int m = values.length;
        double q1 = values[(int) Math.floor(0.25 * (m - 1))];
        double median = values[(int) Math.floor(0.5 * (m - 1))];
        double q3 = values[(int) Math.floor(0.75 * (m - 1))];
        double threshold = median + 1.5 * (q3 - q1);
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = importance[i] >= threshold ? x[i] : base[i];
        }
        return new Fusion(r, importance, threshold);
    }

    private static double[] softmax(float[] v, int from, int len) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) {
            max = Math.max(max, v[from + j]);
        }
        double[] e = new double[len];
        double sum = 0;
        for (int j = 0; j < len; j++) {
            e[j] = Math.exp(v[from + j] - max);
            sum += e[j];
        }
        for (int j = 0; j < len; j++) {
            e[j] /= sum;
        }
        return e;
    }

    // ---------------------------------------------------------------- vector helpers

    static double[] toDouble(float[] x) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = x[i];
        }
        return r;
    }

    private static double[] gather(double[] v, int[] indices) {
        double[] r = new double[indices.length];
        for (int i = 0; i < indices.length; i++) {
            r[i] = v[indices[i]];
        }
        return r;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static double[] scaled(double[] a, double f) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] * f;
        }
        return r;
    }
}
