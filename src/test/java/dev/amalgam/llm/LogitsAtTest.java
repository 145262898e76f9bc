package dev.amalgam.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amalgam.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** logitsAt computes the head only at chosen positions: the values must equal the full logits there. */
class LogitsAtTest {
    @Test
    void equalsFullLogitsAtTheChosenPositions() {
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260K());
             NDManager m = NDManager.newBaseManager()) {
            int[][] tokens = {{1, 403, 407, 261, 378, 30, 90}, {1, 50, 60, 70, 0, 0, 0}};
            int[] lengths = {7, 4};
            int[] from = {4, 1};
            float[] full = model.logits(m, tokens, lengths).toFloatArray(); // [2, 7, 512]
            NDArray at = model.logitsAt(m, tokens, lengths, from);
            assertArrayEquals(new long[] {3 + 3, 512}, at.getShape().getShape());
            float[] got = at.toFloatArray();
            int k = 0;
            for (int r = 0; r < 2; r++) {
                for (int t = from[r]; t < lengths[r]; t++, k++) {
                    for (int v = 0; v < 512; v++) {
                        assertEquals(full[(r * 7 + t) * 512 + v], got[k * 512 + v], 1e-5f, "row " + r + " pos " + t);
                    }
                }
            }
            assertThrows(IllegalArgumentException.class, () -> model.logitsAt(m, tokens, lengths, new int[] {7, 0}));
        }
    }
}
