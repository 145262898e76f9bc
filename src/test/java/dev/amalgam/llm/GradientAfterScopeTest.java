package dev.amalgam.llm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.amalgam.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The zoo's fine-tune runs backward after the forward pass's own scope has closed. Arrays DJL makes from Java data
 * alias a direct buffer that only their handle keeps alive, so whatever autograd saved of them (the RoPE tables for
 * q x cos, the token ids for the embedding's gradient, the attention's scale) must not live in such memory: a garbage collection between
 * forward and backward would free it, and the gradient would read whatever was allocated there next. This test
 * collects, refills freed memory with NaN, and requires the gradients to equal those of an undisturbed pass.
 */
class GradientAfterScopeTest {
    private static final String[] TRAINED = {"model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
            "model.layers.4.self_attn.k_proj.weight"};

    @Test
    void gradientsSurviveACollectionBetweenForwardAndBackward() throws InterruptedException {
        try (LlamaModel model = LlamaModel.load(Fixtures.stories260K())) {
            float[][] undisturbed = gradients(model, false);
            float[][] collected = gradients(model, true);
            for (int i = 0; i < TRAINED.length; i++) {
                assertArrayEquals(undisturbed[i], collected[i], TRAINED[i]);
            }
        }
    }

    private static float[][] gradients(LlamaModel model, boolean collectInBetween) throws InterruptedException {
        int[][] tokens = {{1, 403, 407, 261, 378, 30, 90, 11, 12, 13, 14, 15}, {1, 50, 60, 70, 80, 90, 0, 0, 0, 0, 0, 0}};
        int[] lengths = {12, 6};
        for (String name : TRAINED) {
            model.weights().get(name).setRequiresGradient(true);
        }
        try (NDManager scope = NDManager.newBaseManager()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.logits(scope, tokens, lengths).logSoftmax(-1).get(":, :, 7").sum().neg(); // [] scalar
                if (collectInBetween) {
                    scribbleOverFreedMemory();
                }
                collector.backward(loss);
            }
            float[][] result = new float[TRAINED.length][];
            for (int i = 0; i < TRAINED.length; i++) {
                try (NDArray gradient = model.weights().get(TRAINED[i]).getGradient()) {
                    result[i] = gradient.toFloatArray();
                    gradient.muli(0);
                }
            }
            return result;
        } finally {
            for (String name : TRAINED) {
                model.weights().get(name).setRequiresGradient(false);
            }
        }
    }

    /** Lets the collector free unreachable direct buffers, then takes freed blocks of every small size and fills them with NaN. */
    private static void scribbleOverFreedMemory() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50); // the buffers' cleaners run on the reference-handler thread
        }
        List<ByteBuffer> held = new ArrayList<>();
        for (int bytes = 64; bytes <= 1 << 16; bytes += 64) {
            for (int copy = 0; copy < 4; copy++) {
                ByteBuffer b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
                while (b.remaining() >= 4) {
                    b.putFloat(Float.NaN);
                }
                held.add(b);
            }
        }
        held.clear();
    }
}
