package dev.amalgam.evolve.fitness;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnchorItemsTest {
    private static final int ITEMS = 200;
    private static final int INFORMATIVE = 20;

    /**
     * A planted test: items 0, 10, 20, ... (20 of 200) follow a 2PL IRT model, P(correct) = sigmoid(2.5 (theta - b)),
     * with the candidate's ability theta; the other 180 are noise: a third always right, a third always wrong, a third
     * coin flips unrelated to ability. Returns [candidates][items] outcomes.
     */
    private static double[][] outcomes(Random r, double[] theta, double[] difficulty) {
        double[][] out = new double[theta.length][ITEMS];
        for (int c = 0; c < theta.length; c++) {
            for (int i = 0; i < ITEMS; i++) {
                double p;
                if (i % 10 == 0) {
                    p = 1 / (1 + Math.exp(-2.5 * (theta[c] - difficulty[i])));
                } else {
                    p = switch (i % 3) {
                        case 0 -> 1.0;
                        case 1 -> 0.0;
                        default -> 0.5;
                    };
                }
                out[c][i] = r.nextDouble() < p ? 1 : 0;
            }
        }
        return out;
    }

    private static double[] abilities(Random r, int n) {
        return r.doubles(n).map(u -> 3 * u - 1.5).toArray();
    }

    @Test
    void recoversThePlantedInformativeItemsAndRanksNewCandidatesLikeTheFullSplit() {
        Random r = new Random(17);
        double[] difficulty = r.doubles(ITEMS).map(u -> u - 0.5).toArray();
        double[][] firstGeneration = outcomes(r, abilities(r, 24), difficulty);
        int[] anchors = AnchorItems.select(firstGeneration, INFORMATIVE);

        long planted = Arrays.stream(anchors).filter(i -> i % 10 == 0).count();
        assertTrue(planted >= 17, "anchors " + Arrays.toString(anchors) + " hold " + planted + " of the 20 planted items");

        // later candidates: the anchor mean ranks them like the full mean (Spearman), much better than 20 random items
        double[][] later = outcomes(r, abilities(r, 40), difficulty);
        double[] full = Arrays.stream(later).mapToDouble(o -> Arrays.stream(o).average().orElseThrow()).toArray();
        double[] anchor = Arrays.stream(later).mapToDouble(o -> AnchorItems.anchorFitness(o, anchors)).toArray();
        int[] random = r.ints(0, ITEMS).distinct().limit(INFORMATIVE).toArray();
        double[] randomItems = Arrays.stream(later).mapToDouble(o -> AnchorItems.anchorFitness(o, random)).toArray();
        double rhoAnchors = AnchorItems.spearman(anchor, full);
        double rhoRandom = AnchorItems.spearman(randomItems, full);
        assertTrue(rhoAnchors > 0.8, "anchor rank correlation " + rhoAnchors);
        assertTrue(rhoAnchors > rhoRandom + 0.2, "anchors " + rhoAnchors + " vs random items " + rhoRandom);
    }

    /**
     * Smooth item values (a gold probability rather than 0/1): the planted items' value is the IRT probability
     * itself, the others a constant or noise unrelated to ability. Anchors picked from a calibration sample of 60
     * items (generation 0 of 24 candidates scored on part of the split) are the planted items of that sample.
     */
    @Test
    void recoversThePlantedItemsOfACalibrationSampleFromSmoothValues() {
        Random r = new Random(5);
        double[] difficulty = r.doubles(ITEMS).map(u -> u - 0.5).toArray();
        double[] theta = abilities(r, 24);
        int[] sample = r.ints(0, ITEMS).distinct().limit(60).sorted().toArray();
        double[][] values = new double[theta.length][sample.length];
        for (int c = 0; c < theta.length; c++) {
            for (int k = 0; k < sample.length; k++) {
                int i = sample[k];
                values[c][k] = i % 10 == 0 ? 1 / (1 + Math.exp(-2.5 * (theta[c] - difficulty[i]))) : i % 2 == 0 ? 0.25 : r.nextDouble();
            }
        }
        int plantedInSample = (int) Arrays.stream(sample).filter(i -> i % 10 == 0).count();
        int[] anchors = Arrays.stream(AnchorItems.select(values, plantedInSample)).map(k -> sample[k]).toArray();
        assertTrue(plantedInSample >= 3, "sample holds " + plantedInSample + " planted items");
        assertEquals(plantedInSample, Arrays.stream(anchors).filter(i -> i % 10 == 0).count(), Arrays.toString(anchors));
    }

    /** Shares in proportion to each group's items in the pool, adding up to k; items of no group never picked. */
    @Test
    void stratifiedSharesFollowTheGroupsSizes() {
        int[] groupOf = new int[310];
        for (int i = 0; i < groupOf.length; i++) {
            groupOf[i] = i < 150 ? 0 : i < 250 ? 1 : i < 300 ? 2 : -1;
        }
        int[] all = java.util.stream.IntStream.range(0, groupOf.length).toArray();
        int[] picked = AnchorItems.stratified(all, groupOf, 3, 30, (own, share) -> Arrays.copyOf(own, share));
        assertEquals(30, picked.length);
        int[] perGroup = new int[3];
        for (int i : picked) {
            assertTrue(groupOf[i] >= 0, "item " + i + " belongs to no group");
            perGroup[groupOf[i]]++;
        }
        assertEquals("[15, 10, 5]", Arrays.toString(perGroup));
        // a pool of the first items only: the groups' shares follow their sizes in the pool (40 and 10), not overall
        int[] pool = java.util.stream.IntStream.range(110, 160).toArray();
        int[] fromPool = AnchorItems.stratified(pool, groupOf, 3, 10, (own, share) -> Arrays.copyOfRange(own, own.length - share, own.length));
        assertEquals("[142, 143, 144, 145, 146, 147, 148, 149, 158, 159]", Arrays.toString(fromPool));
    }

    /** Spearman against hand-computed values: a monotone map gives 1, a reversal -1, ties take average ranks. */
    @Test
    void spearmanMatchesHandComputedValues() {
        assertEquals(1.0, AnchorItems.spearman(new double[]{1, 2, 3, 4}, new double[]{10, 20, 40, 80}), 1e-12);
        assertEquals(-1.0, AnchorItems.spearman(new double[]{1, 2, 3, 4}, new double[]{4, 3, 2, 1}), 1e-12);
        // ranks (0, 1.5, 1.5, 3) vs (0, 1, 2, 3): Pearson = 4.5 / sqrt(4.5 * 5)
        assertEquals(4.5 / Math.sqrt(4.5 * 5), AnchorItems.spearman(new double[]{1, 2, 2, 3}, new double[]{1, 2, 3, 4}), 1e-12);
    }
}
