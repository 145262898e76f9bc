package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorRandomTest {
    @Test
    void uniformInUnitIntervalWithTheRightMean() {
        float[] u = TensorRandom.uniform(1, 0, "model.embed_tokens.weight", 100_000);
        double mean = 0;
        for (float v : u) {
            assertTrue(v >= 0 && v < 1, "value " + v);
            mean += v / u.length;
        }
        assertEquals(0.5, mean, 0.005);
        long below = 0;
        for (float v : u) {
            below += v < 0.3f ? 1 : 0;
        }
        assertEquals(0.3, below / (double) u.length, 0.005, "P(u < 0.3)");
    }

    @Test
    void parallelFillEqualsTheSequentialSplittableRandomStream() {
        int n = 300_001; // several chunks, the last one uneven
        float[] u = TensorRandom.uniform(11, 2, "model.layers.0.mlp.up_proj.weight", n);
        java.util.SplittableRandom sequential = new java.util.SplittableRandom(TensorRandom.streamKey(11, 2, "model.layers.0.mlp.up_proj.weight"));
        for (int i = 0; i < n; i++) {
            assertEquals((sequential.nextLong() >>> 40) * 0x1.0p-24f, u[i], "element " + i);
        }
    }

    @Test
    void streamDependsOnSeedModelAndName() {
        float[] a = TensorRandom.uniform(5, 1, "a.weight", 64);
        assertArrayEquals(a, TensorRandom.uniform(5, 1, "a.weight", 64));
        assertFalse(Arrays.equals(a, TensorRandom.uniform(6, 1, "a.weight", 64)));
        assertFalse(Arrays.equals(a, TensorRandom.uniform(5, 2, "a.weight", 64)));
        assertFalse(Arrays.equals(a, TensorRandom.uniform(5, 1, "b.weight", 64)));
        // "Aa" and "BB" share String.hashCode; the stream key must still differ
        assertEquals("Aa".hashCode(), "BB".hashCode());
        assertNotEquals(TensorRandom.streamKey(5, 1, "Aa"), TensorRandom.streamKey(5, 1, "BB"));
    }

    @Test
    void ndArrayHoldsTheSameNumbersRowMajor() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray u = TensorRandom.uniform(manager, 9, 3, "w", new Shape(4, 6));
            assertEquals(new Shape(4, 6), u.getShape());
            assertArrayEquals(TensorRandom.uniform(9, 3, "w", 24), u.toFloatArray());
        }
    }
}
