package dev.amalgam.merge;

import dev.amalgam.merge.CpuFastPath.Mask;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.TensorInfo;
import dev.amalgam.safetensors.TensorSlice;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DARE in the lanes: {@link RandomLanes}' mask against the stream's values ({@link TensorRandom#fillTop}), and
 * {@link NormLanes}' direct rescale norms against the plain loop's ({@link RescaleNorms#addDirect}, bit for bit) and
 * against plain double sums over the mask and the levels' norms, and the two masks it keeps for the result's pass.
 */
class DareLanesTest {
    private static final float[] DENSITIES = {0f, 1f / 4096, 0.3f, 0.5f + 0.3f / 4096, 0.999f, 1f};

    @Test
    void theLanesDrawTheStreamsMask() {
        long key = TensorRandom.streamKey(5, 2, "model.layers.3.mlp.down_proj.weight");
        int[] top = new int[FloatLanes.LANES];
        for (float density : DENSITIES) {
            int threshold = TensorRandom.threshold(density);
            int kept = 0;
            for (long e : new long[]{0, 16, 4096 * 16 + 32, 5_000_000_000L}) {
                for (long at = e; at < e + 64L * FloatLanes.LANES; at += FloatLanes.LANES) {
                    long bits = RandomLanes.bits(key, threshold, at, RandomLanes.steps(false), RandomLanes.steps(true));
                    TensorRandom.fillTop(key, at, top, top.length);
                    for (int l = 0; l < FloatLanes.LANES; l++) {
                        assertEquals(top[l] < threshold, (bits >>> l & 1) == 1, "density " + density + ", element " + (at + l));
                        kept += top[l] < threshold ? 1 : 0;
                    }
                    assertEquals(0, bits >>> FloatLanes.LANES, "no bits past the lanes");
                }
            }
            int drawn = 4 * 64 * FloatLanes.LANES;
            assertEquals(density, kept / (double) drawn, 0.05, "density " + density + ": the share kept");
        }
    }

    /** The plain loop's sums against one element at a time to lane e % 16, bit for bit, with a tail after whole lanes. */
    @Test
    void thePlainLoopSumsLaneByLane() {
        Random random = new Random(5);
        int n = 16 * 40 + 7;
        float[] delta = new float[n];
        for (int i = 0; i < n; i++) {
            delta[i] = (float) random.nextGaussian() * (i % 9 == 0 ? -1 : 1);
        }
        long key = TensorRandom.streamKey(9, 3, "w");
        for (float density : DENSITIES) {
            int threshold = TensorRandom.threshold(density);
            int[] top = new int[n];
            TensorRandom.fillTop(key, 0, top, n);
            double[] expected = new double[2 * RescaleNorms.DIRECT_LANES];
            for (int i = 0; i < n; i++) {
                double a = Math.abs(delta[i]);
                expected[i % 16] += a;
                expected[16 + i % 16] += top[i] < threshold ? a : 0;
            }
            double[] sums = new double[2 * RescaleNorms.DIRECT_LANES];
            int first = 16 * 25; // two chunks, as the kernel's: the second with the tail
            RescaleNorms.addDirect(key, 0, threshold, Arrays.copyOfRange(delta, 0, first), first, new int[n], sums);
            RescaleNorms.addDirect(key, first, threshold, Arrays.copyOfRange(delta, first, n), n - first, new int[n], sums);
            assertArrayEquals(expected, sums, "density " + density);
        }
    }

    @Test
    void theLanesSumTheNormsAsThePlainLoop() {
        assertTrue(NormLanes.serves(List.of()) == (FloatLanes.LANES == RescaleNorms.DIRECT_LANES), "served where a vector has 16 lanes");
        if (!NormLanes.serves(List.of())) {
            return; // the plain loop sums there; JavaCpuKernelTest covers it
        }
        int n = 16 * 5_000;
        Random random = new Random(31);
        float[][] values = new float[3][n]; // base, a model far from it, one near it
        for (int i = 0; i < n; i++) {
            values[0][i] = 0.02f * (float) random.nextGaussian();
            values[1][i] = values[0][i] + 0.01f * (float) random.nextGaussian();
            values[2][i] = values[0][i] + 0.0005f * (float) random.nextGaussian();
        }
        for (DType dtype : List.of(DType.BF16, DType.F32)) {
            try (Arena arena = Arena.ofConfined()) {
                List<TensorSlice> slices = new ArrayList<>();
                float[][] widened = new float[3][n]; // as the lanes read them
                for (int m = 0; m < 3; m++) {
                    MemorySegment data = arena.allocate((long) n * dtype.byteSize(), 64);
                    for (int i = 0; i < n; i++) {
                        if (dtype == DType.BF16) {
                            data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, FloatCodec.floatToBf16(values[m][i]));
                        } else {
                            data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, values[m][i]);
                        }
                    }
                    FloatCodec.widen(dtype, data, 0, new FloatCodec.ChunkBuffers(), widened[m], n);
                    slices.add(new TensorSlice(new TensorInfo("w", dtype, new long[]{n}, 0, data.byteSize()), data, Path.of("w"), data.byteSize()));
                }
                for (float density : DENSITIES) {
                    Mask.Random[] masks = {new Mask.Random(TensorRandom.streamKey(9, 1, "w"), density),
                            new Mask.Random(TensorRandom.streamKey(9, 2, "w"), density)};
                    NormLanes lanes = new NormLanes(slices, new int[]{1, 2}, masks);
                    int[] drawn = new int[n / 16];
                    for (int m = 0; m < 2; m++) {
                        double[] inLanes = new double[2 * RescaleNorms.DIRECT_LANES];
                        double[] inFloats = new double[2 * RescaleNorms.DIRECT_LANES];
                        float[] delta = new float[n];
                        for (int i = 0; i < n; i++) {
                            delta[i] = widened[m + 1][i] - widened[0][i];
                        }
                        int threshold = TensorRandom.threshold(density);
                        int[] top = new int[n];
                        for (int at = 0; at < n; at += 4_000) { // chunks, as the kernel's
                            int len = Math.min(4_000, n - at);
                            lanes.model(m, at, len, inLanes, drawn);
                            float[] chunk = Arrays.copyOfRange(delta, at, at + len);
                            RescaleNorms.addDirect(masks[m].key(), at, threshold, chunk, len, top, inFloats);
                        }
                        String what = dtype + ", density " + density + ", model " + m;
                        assertArrayEquals(inFloats, inLanes, what + ": the lanes' sums, bit for bit");
                        TensorRandom.fillTop(masks[m].key(), 0, top, n);
                        for (int i = 0; i < n; i++) {
                            assertEquals(top[i] < threshold, (drawn[i / 16] >>> (16 * m + i % 16) & 1) == 1, what + ": kept mask bit " + i);
                        }
                        double[] norms = RescaleNorms.fromDirect(inLanes);
                        double before = 0;
                        double after = 0;
                        double[] levels = new double[RescaleNorms.LEVELS];
                        double partial = RescaleNorms.addLevels(top, delta, n, threshold, levels);
                        for (int i = 0; i < n; i++) {
                            before += Math.abs(delta[i]);
                            after += top[i] < threshold ? Math.abs(delta[i]) : 0;
                        }
                        assertEquals(before, norms[0], 1e-12 * before, what + ": before");
                        assertEquals(after, norms[1], 1e-12 * before, what + ": after");
                        double[] fromLevels = RescaleNorms.norms(levels, threshold, partial);
                        assertEquals((float) (fromLevels[0] / fromLevels[1]), (float) (norms[0] / norms[1]),
                                what + ": the levels' factor");
                    }
                }
            }
        }
    }
}
