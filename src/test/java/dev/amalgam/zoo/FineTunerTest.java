package dev.amalgam.zoo;

import ai.djl.Device;
import dev.amalgam.Fixtures;
import dev.amalgam.eval.BatchSize;
import dev.amalgam.eval.LoglikelihoodScorer;
import dev.amalgam.eval.RequestEncoder;
import dev.amalgam.eval.ScoringProgress;
import dev.amalgam.eval.TokenRequest;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.TextTokenizer;
import dev.amalgam.safetensors.SafetensorsModel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FineTunerTest {
    private static final SkillItem ROW = new SkillItem("Tom had two apples. Then he found three more apples. Now Tom has",
            List.of("four", "five", "seven", "ten"), 1);

    /** The loss is the evaluator's negative log-likelihood of the gold choice, and one step moves only the chosen tensors. */
    @Test
    void lossIsTheGoldContinuationsNllAndOnlyMatchedTensorsMove() {
        FineTuneRecipe recipe = new FineTuneRecipe(1, 1, 1e-3, "model\\.layers\\.2\\.mlp\\.up_proj\\.weight");
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K()); LlamaModel model = LlamaModel.load(Fixtures.stories260K(), Device.cpu());
             SafetensorsModel base = SafetensorsModel.open(Fixtures.stories260K())) {
            RequestEncoder encoder = new RequestEncoder(tokenizer);
            TokenRequest request = encoder.encode(ROW.context(), " five");
            double logprob = new LoglikelihoodScorer(new BatchSize.Fixed(1), false)
                    .score(model, List.of(request), ScoringProgress.NONE)[0].logprob();

            int[] steps = {0};
            double loss = new FineTuner(model, encoder).train(List.of(ROW), recipe, 1, step -> steps[0] = step);

            assertEquals(1, steps[0]);
            assertEquals(-logprob, loss, 1e-4);
            for (String name : model.weights().names()) {
                float[] now = model.weights().get(name).toFloatArray();
                float[] before = base.slice(name).toFloatArray();
                if (recipe.trains(name)) {
                    assertFalse(Arrays.equals(before, now), name + " should have been updated");
                } else {
                    assertArrayEquals(before, now, name + " should be untouched");
                }
            }
        }
    }

    @Test
    void trainingLowersTheLoss() {
        FineTuneRecipe recipe = new FineTuneRecipe(20, 4, 1e-3, "model\\.layers\\.[0-9]+\\.mlp\\..*");
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K()); LlamaModel model = LlamaModel.load(Fixtures.stories260K(), Device.cpu())) {
            FineTuner tuner = new FineTuner(model, new RequestEncoder(tokenizer));
            List<SkillItem> rows = SkillDataset.generate(new PetSkill(), 1, Zoo.SIZES).split(Split.TRAIN).subList(0, 4);
            double first = tuner.train(rows, new FineTuneRecipe(1, 4, 1e-9, recipe.trainedTensors()), 1, s -> { });
            double last = tuner.train(rows, recipe, 1, s -> { });
            assertTrue(last < first / 2, "loss went from " + first + " to " + last);
        }
    }

    @Test
    void aPatternThatMatchesNoTensorIsRejected() {
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K()); LlamaModel model = LlamaModel.load(Fixtures.stories260K(), Device.cpu())) {
            FineTuner tuner = new FineTuner(model, new RequestEncoder(tokenizer));
            assertThrows(IllegalArgumentException.class,
                    () -> tuner.train(List.of(ROW), new FineTuneRecipe(1, 1, 1e-3, "no\\.such\\.tensor"), 1, s -> { }));
        }
    }
}
