package dev.amalgam.merge;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DARE's rescale norms from levels of the mask's uniform against a plain sum over the mask ({@code u < density}, with
 * u the stream's float as {@link TensorRandom#fill} gives it), for densities on the levels' grid and off it.
 */
class RescaleNormsTest {
    private static final int N = 50_000;

    @Test
    void levelsGiveTheNormsOfTheMaskForAnyDensity() {
        Random random = new Random(11);
        float[] delta = new float[N];
        for (int i = 0; i < N; i++) {
            delta[i] = (float) (random.nextGaussian() * 0.01);
        }
        long key = TensorRandom.streamKey(3, 1, "model.layers.0.mlp.up_proj.weight");
        float[] u = new float[N];
        TensorRandom.fill(key, 0, u, 0, N);
        for (float density : new float[]{0f, 0.3125f, 0.35f, 0.5f + 0.3f / 4096, 0.999f, 1f / 4096}) {
            double before = 0;
            double after = 0;
            for (int i = 0; i < N; i++) {
                before += Math.abs(delta[i]);
                after += u[i] < density ? Math.abs(delta[i]) : 0;
            }
            double[] levels = new double[RescaleNorms.LEVELS];
            int threshold = TensorRandom.threshold(density);
            double partial = 0;
            int[] top = new int[N];
            for (int from : new int[]{0, 20_000}) { // two chunks, as the kernel's
                int len = from == 0 ? 20_000 : N - from;
                TensorRandom.fillTop(key, from, top, len);
                for (int j = 0; j < len; j++) {
                    assertEquals(u[from + j], top[j] * 0x1p-24f, "fillTop's bits are fill's uniform");
                }
                float[] chunk = Arrays.copyOfRange(delta, from, from + len);
                partial += RescaleNorms.addLevels(top, chunk, len, threshold, levels);
            }
            double[] norms = RescaleNorms.norms(levels, threshold, partial);
            assertEquals(before, norms[0], 1e-12 * before, "before, density " + density);
            assertEquals(after, norms[1], 1e-12 * before, "after, density " + density);
            boolean onGrid = density * 4096 == Math.rint(density * 4096);
            assertEquals(onGrid, RescaleNorms.onGrid(density), "on the grid: density " + density);
            // on the grid the partial level is empty; off it, these densities' partial levels hold values (both paths run)
            assertEquals(onGrid, partial == 0, "partial level " + partial + ", density " + density);
        }
    }

    @Test
    void snappedDensitiesAreOnTheGrid() {
        Random random = new Random(2);
        for (int i = 0; i < 1000; i++) {
            double snapped = RescaleNorms.snap(random.nextDouble());
            assertTrue(RescaleNorms.onGrid((float) snapped), "snap gives a grid density: " + snapped);
            assertEquals(snapped, (float) snapped, 0, "exact in fp32, as the kernel reads it");
        }
        assertEquals(1434 / 4096.0, RescaleNorms.snap(0.35));
        assertFalse(RescaleNorms.onGrid(0.35f));
        assertTrue(RescaleNorms.onGrid(0f) && RescaleNorms.onGrid(1f));
    }
}
