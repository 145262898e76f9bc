package dev.amalgam.llm;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.amalgam.Fixtures;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A context run once with its keys/values kept, then every choice's continuation scored against them, gives the
 * logits of the full forward of each (context + continuation) row within 1e-4, padding included.
 */
class SharedContextTest {
    @TempDir
    Path dir;

    @Test
    void stories260K() {
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260K(), Device.cpu())) {
            check(model, new int[]{1, 403, 407, 261, 378, 30, 90, 11}, new int[][]{{50, 60, 70}, {8}, {300, 301}, {9, 9, 9}});
        }
    }

    @Test
    void randomLlamaQwen2AndQwen3() {
        for (TinyLlama.Spec spec : new TinyLlama.Spec[]{
                new TinyLlama.Spec("LlamaForCausalLM", 32, 48, 2, 4, 2, 8, 60, false, true, null),
                new TinyLlama.Spec("Qwen2ForCausalLM", 24, 40, 2, 4, 2, 6, 50, true, false, null),
                new TinyLlama.Spec("Qwen3ForCausalLM", 16, 36, 2, 4, 2, 8, 40, true, false, null)}) {
            Path folder = dir.resolve(spec.architecture());
            TinyLlama.write(folder, spec, DType.F32, Long.MAX_VALUE, 42, plan -> { });
            try (LlamaModel model = LlamaModel.load(folder, Device.cpu())) {
                check(model, new int[]{1, 5, 17, 3, 29, 8}, new int[][]{{2, 4}, {11}, {7, 7, 7, 13}});
            }
        }
    }

    private static void check(LlamaModel model, int[] prefix, int[][] continuations) {
        int seq = 0;
        for (int[] c : continuations) {
            seq = Math.max(seq, c.length);
        }
        int[][] suffixes = new int[continuations.length][seq]; // right-padded with 0
        int[] lengths = new int[continuations.length];
        int[][] full = new int[continuations.length][prefix.length + seq];
        int[] fullLengths = new int[continuations.length];
        int[] from = new int[continuations.length];
        for (int r = 0; r < continuations.length; r++) {
            System.arraycopy(continuations[r], 0, suffixes[r], 0, continuations[r].length);
            lengths[r] = continuations[r].length;
            System.arraycopy(prefix, 0, full[r], 0, prefix.length);
            System.arraycopy(continuations[r], 0, full[r], prefix.length, continuations[r].length);
            fullLengths[r] = prefix.length + lengths[r];
            from[r] = prefix.length;
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            var shared = model.logitsAfterPrefix(m, prefix, suffixes, lengths);
            var reference = model.logitsAt(m, full, fullLengths, from);
            assertArrayEquals(reference.getShape().getShape(), shared.getShape().getShape());
            float[] a = reference.toFloatArray();
            float[] b = shared.toFloatArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-4, model.config().architecture() + " element " + i);
            }
        }
    }
}
