package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KthLargestTest {
    @Test
    void matchesSortingForEveryK() {
        Random random = new Random(5);
        float[] values = new float[101];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        values[7] = values[8]; // a tie
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray flat = manager.create(values);
            for (int k = 1; k <= values.length; k++) {
                assertEquals(sorted[values.length - k], KthLargest.of(flat, k), "k = " + k);
            }
            assertThrows(IllegalArgumentException.class, () -> KthLargest.of(flat, 0));
            assertThrows(IllegalArgumentException.class, () -> KthLargest.of(flat, 102));
        }
    }
}
