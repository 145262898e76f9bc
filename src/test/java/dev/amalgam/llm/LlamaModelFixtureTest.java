package dev.amalgam.llm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real stories260K model against llama2.c run.c's reference logits and greedy generations. */
class LlamaModelFixtureTest {
    private static final String EMBED = "model.embed_tokens.weight";
    private static final String LM_HEAD = "lm_head.weight";
    private static LlamaModel model;

    @BeforeAll
    static void load() {
        model = LlamaModel.load(Fixtures.stories260K(), Device.cpu());
    }

    @AfterAll
    static void close() {
        if (model != null) { // null when the fixture is missing and the class was skipped
            model.close();
        }
    }

    @Test
    void logitsMatchRunCAtEveryReferencePosition() {
        int checked = 0;
        for (Stories260K.Generation g : Stories260K.generations()) {
            if (g.logits().isEmpty()) {
                continue;
            }
            int seq = g.logits().getLast().pos() + 1;
            int[] tokens = Arrays.copyOf(g.tokens(), seq);
            try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                NDArray logits = model.logits(m, new int[][]{tokens}, new int[]{seq});
                assertArrayEquals(new long[]{1, seq, 512}, logits.getShape().getShape());
                for (Stories260K.PositionLogits ref : g.logits()) {
                    assertEquals(ref.inputToken(), tokens[ref.pos()], g.name());
                    float[] got = logits.get(0, ref.pos()).toFloatArray();
                    assertArrayEquals(ref.logits(), got, 1e-4f, g.name() + " position " + ref.pos());
                    checked++;
                }
            }
        }
        assertEquals(4 + 8 + 1, checked);
    }

    @Test
    void greedyDecodingReproducesEveryGreedyReferenceGeneration() {
        GreedyGenerator generator = new GreedyGenerator(model);
        List<Stories260K.Generation> greedy = Stories260K.generations().stream().filter(g -> g.temperature() == 0).toList();
        assertEquals(5, greedy.size());
        int[][] prompts = greedy.stream().map(Stories260K.Generation::promptTokens).toArray(int[][]::new);
        // run.c makes `steps` forward passes over BOS + prompt + generated tokens: at most steps + 1 tokens.
        int[] maxNew = greedy.stream().mapToInt(g -> g.steps() + 1 - g.promptTokens().length).toArray();
        int[][] together = generator.generate(prompts, maxNew, Stories260K.BOS);
        for (int i = 0; i < greedy.size(); i++) {
            Stories260K.Generation g = greedy.get(i);
            assertArrayEquals(g.tokens(), together[i], g.name());
            assertEquals(g.stoppedOnBos(), together[i].length < g.steps() + 1, g.name());
        }
        Stories260K.Generation lily = greedy.stream().filter(g -> g.name().equals("greedy_lily_ball_48")).findFirst().orElseThrow();
        assertArrayEquals(lily.tokens(), generator.generate(lily.promptTokens(), lily.steps() + 1 - lily.promptTokens().length,
                Stories260K.BOS), "alone");
    }

    @Test
    void rightPaddedBatchEqualsEachRowAlone() {
        Random random = new Random(7);
        int[] lengths = {17, 5, 30, 1};
        int seq = 30;
        int[][] batch = new int[lengths.length][seq];
        for (int r = 0; r < lengths.length; r++) {
            for (int t = 0; t < seq; t++) {
                batch[r][t] = t < lengths[r] ? random.nextInt(512) : 511; // padding ids must not matter
            }
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray together = model.logits(m, batch, lengths);
            for (int r = 0; r < lengths.length; r++) {
                int[] row = Arrays.copyOf(batch[r], lengths[r]);
                float[] alone = model.logits(m, new int[][]{row}, new int[]{lengths[r]}).toFloatArray();
                float[] inBatch = together.get(r + ", :" + lengths[r]).toFloatArray();
                assertArrayEquals(alone, inBatch, 1e-5f, "row " + r);
            }
        }
    }

    @Test
    void overwritingAWeightChangesLogitsAndRestoringItRestoresThemExactly() {
        int[][] tokens = {{1, 403, 407, 261, 378}};
        int[] lengths = {5};
        ModelWeights weights = model.weights();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] before = model.logits(m, tokens, lengths).toFloatArray();
            for (String name : List.of("model.layers.2.mlp.up_proj.weight", EMBED)) {
                NDArray live = weights.get(name);
                NDArray original = live.duplicate();
                original.attach(m);
                weights.overwrite(name, original.mul(0.5f));
                assertSame(live, weights.get(name), "overwrite must write into the existing tensor");
                float[] changed = model.logits(m, tokens, lengths).toFloatArray();
                assertFalse(maxAbsDiff(before, changed) < 1e-3, name + " overwrite had no effect");
                weights.overwrite(name, original);
                assertArrayEquals(before, model.logits(m, tokens, lengths).toFloatArray(), 0f, name);
            }
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray wrong = m.zeros(new Shape(64, 512));
            assertThrows(IllegalArgumentException.class, () -> weights.overwrite(EMBED, wrong));
        }
        assertTrue(weights.names().contains(EMBED));
        assertFalse(weights.names().contains(LM_HEAD), "tied: the head is embed_tokens");
        assertArrayEquals(new long[]{512, 64}, weights.shape(EMBED));
    }

    @Test
    void aForwardPassLeavesNoArraysBehindInTheModelOrTheCaller() {
        NDManager modelManager = model.weights().get(EMBED).getManager();
        int before = modelManager.getManagedArrays().size();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            model.logits(m, new int[][]{{1, 403, 407}, {1, 2, 0}}, new int[]{3, 2});
            assertEquals(1, m.getManagedArrays().size(), "only the logits belong to the caller");
        }
        assertEquals(before, modelManager.getManagedArrays().size());
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
