package dev.amalgam.evolve.fitness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.IntStream;

/**
 * Anchor items: after the first generation, the few items whose correctness best separates the candidates scored so
 * far, so later candidates can be scored on those only (in the spirit of tinyBenchmarks and MERGE3's IRT estimators,
 * with the simplest discrimination measure). An item's discrimination is the correlation of its score with the
 * candidates' score on all other items (the item-rest correlation, classical test theory's counterpart of the IRT
 * slope): an item every candidate gets right or wrong, or one whose correctness is unrelated to the candidates'
 * overall quality, separates nothing and scores near zero.
 *
 * <p>The anchor fitness of a candidate is its mean score on the anchors; {@link #spearman} reports how well it ranks
 * candidates like the full fitness (the search re-checks its elite on the full split).
 */
public final class AnchorItems {
    private AnchorItems() {
    }

    /**
     * The {@code k} most discriminating items, in item order.
     *
     * @param scores per candidate the score of each item, [candidates][items], values in [0, 1]
     */
    public static int[] select(double[][] scores, int k) {
        int candidates = scores.length;
        if (candidates < 3) {
            throw new IllegalArgumentException("anchor selection needs at least 3 scored candidates, got " + candidates);
        }
        int items = scores[0].length;
        if (k < 1 || k > items) {
            throw new IllegalArgumentException("anchor count must be in 1.." + items + ", got " + k);
        }
        double[] total = new double[candidates];
        for (int c = 0; c < candidates; c++) {
            if (scores[c].length != items) {
                throw new IllegalArgumentException("candidate " + c + " has " + scores[c].length + " item scores, expected " + items);
            }
            total[c] = Arrays.stream(scores[c]).sum();
        }
        double[] discrimination = new double[items];
        double[] item = new double[candidates];
        double[] rest = new double[candidates];
        for (int i = 0; i < items; i++) {
            for (int c = 0; c < candidates; c++) {
                item[c] = scores[c][i];
                rest[c] = total[c] - scores[c][i];
            }
            discrimination[i] = pearson(item, rest);
        }
        return IntStream.range(0, items).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -discrimination[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * {@code k} items of {@code pool}, each group's share in proportion to its items there (at least 1; cumulative
     * rounding, so the shares add up to {@code k} when no group needs its minimum of 1), group g's share picked by
     * {@code pick.apply(g's items in pool order, share)}; sorted. Items of group -1 belong to none and are never picked.
     *
     * @param groupOf per item its group in 0..groups-1, or -1
     */
    public static int[] stratified(int[] pool, int[] groupOf, int groups, int k, BiFunction<int[], Integer, int[]> pick) {
        int counted = (int) IntStream.of(pool).filter(i -> groupOf[i] >= 0).count();
        List<Integer> chosen = new ArrayList<>();
        int assigned = 0;
        int seen = 0;
        for (int g = 0; g < groups; g++) {
            final int group = g;
            int[] own = IntStream.of(pool).filter(i -> groupOf[i] == group).toArray();
            if (own.length == 0) {
                continue;
            }
            seen += own.length;
            int share = Math.max(1, Math.min(own.length, (int) Math.round((double) k * seen / counted) - assigned));
            assigned += share;
            for (int i : pick.apply(own, share)) {
                chosen.add(i);
            }
        }
        return chosen.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** A candidate's mean score over the anchors. */
    public static double anchorFitness(double[] itemScores, int[] anchors) {
        double s = 0;
        for (int a : anchors) {
            s += itemScores[a];
        }
        return s / anchors.length;
    }

    /** Pearson correlation; 0 when either side has no spread. */
    static double pearson(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElse(0);
        double mb = Arrays.stream(b).average().orElse(0);
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
    }

    /** Spearman rank correlation (ties get their average rank). */
    public static double spearman(double[] a, double[] b) {
        return pearson(ranks(a), ranks(b));
    }

    private static double[] ranks(double[] v) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, v.length).boxed().toList());
        order.sort(Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order.get(j + 1)] == v[order.get(i)]) {
                j++;
            }
            for (int t = i; t <= j; t++) {
                r[order.get(t)] = (i + j) / 2.0;
            }
            i = j + 1;
        }
        return r;
    }
}
