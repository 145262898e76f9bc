package dev.amalgam.llm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each architecture path of {@link LlamaModel} on small random models against {@link ScalarLlama},
 * as a right-padded batch of two rows.
 */
class LlamaModelReferenceTest {
    @TempDir
    Path dir;

    @Test
    void qwen2WithQkvBiasAndGqa() {
        check(new TinyLlama.Spec("Qwen2ForCausalLM", 24, 40, 2, 4, 2, 6, 50, true, false, null), DType.F32, Long.MAX_VALUE);
    }

    @Test
    void qwen3WithQkNormsAndHeadDimNotHiddenOverHeads() {
        // head_dim 8 x 4 heads = 32 != hidden 16, as in real Qwen3 configs; BF16 exercises widening.
        check(new TinyLlama.Spec("Qwen3ForCausalLM", 16, 36, 2, 4, 2, 8, 40, true, false, null), DType.BF16, Long.MAX_VALUE);
    }

    @Test
    void llamaWithLlama3RopeScalingUntiedHeadAttentionBiasAndShards() {
        ObjectNode scaling = new ObjectMapper().createObjectNode();
        scaling.put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
                .put("original_max_position_embeddings", 64);
        // head_dim 16: wavelengths 6.3 .. 4e4 cover the kept, blended (16..64) and slowed bands.
        check(new TinyLlama.Spec("LlamaForCausalLM", 32, 48, 2, 2, 1, 16, 60, false, true, scaling), DType.F32, 4096);
        assertTrue(Files.exists(dir.resolve("model.safetensors.index.json")), "expected a sharded model");
    }

    @Test
    void mistralIsPlainLlama() {
        check(new TinyLlama.Spec("MistralForCausalLM", 16, 24, 2, 4, 1, 4, 30, false, false, null), DType.F16, Long.MAX_VALUE);
    }

    private void check(TinyLlama.Spec spec, DType dtype, long maxShardBytes) {
        TinyLlama.write(dir, spec, dtype, maxShardBytes, 42, plan -> { });
        ScalarLlama reference = new ScalarLlama(dir, spec);
        Random random = new Random(3);
        int[] lengths = {13, 6};
        int[][] tokens = new int[2][13];
        for (int r = 0; r < 2; r++) {
            for (int t = 0; t < lengths[r]; t++) {
                tokens[r][t] = random.nextInt(spec.vocab());
            }
        }
        double worst = 0;
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu()); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray logits = model.logits(m, tokens, lengths);
            assertEquals(spec.vocab(), logits.getShape().get(2));
            for (int r = 0; r < 2; r++) {
                double[][] expected = reference.logits(java.util.Arrays.copyOf(tokens[r], lengths[r]));
                for (int t = 0; t < lengths[r]; t++) {
                    float[] got = logits.get(r, t).toFloatArray();
                    for (int v = 0; v < spec.vocab(); v++) {
                        worst = Math.max(worst, Math.abs(got[v] - expected[t][v]));
                    }
                }
            }
        }
        assertTrue(worst < 1e-4, spec.architecture() + ": max |logit difference| " + worst);
    }
}
