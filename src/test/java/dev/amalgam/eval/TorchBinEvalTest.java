package dev.amalgam.eval;

import dev.amalgam.Fixtures;
import dev.amalgam.eval.TaskDocuments.DocumentSelection;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.TextTokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code eval} on stories260K's PyTorch .bin folders scores as on its safetensors (fp32: every log-likelihood equal). */
class TorchBinEvalTest {
    @ParameterizedTest
    @ValueSource(strings = {"zip-f32", "legacy-f32", "views-f32", "sharded-bf16"})
    void torchCheckpointScoresAsTheSafetensors(String folder) {
        TaskSelection arc = EvalFixtures.shippedTasks().select(List.of("arc_challenge"));
        EvalOptions options = EvalOptions.defaults().withDocuments(DocumentSelection.first(20));
        EvalReport want = score(Fixtures.stories260K(), arc, options);
        EvalReport got = score(Fixtures.stories260KTorchBin().resolve(folder), arc, options);
        TaskResult w = want.task("arc_challenge").orElseThrow();
        TaskResult g = got.task("arc_challenge").orElseThrow();
        assertEquals(w.value("acc"), g.value("acc"));
        assertEquals(w.value("acc_norm"), g.value("acc_norm"));
        if (!folder.endsWith("bf16")) { // bf16 weights are the fp32 ones rounded: log-likelihoods move a little
            assertEquals(w.items(), g.items());
        }
    }

    private static EvalReport score(Path modelDir, TaskSelection tasks, EvalOptions options) {
        try (TextTokenizer tokenizer = TextTokenizer.load(modelDir); LlamaModel model = LlamaModel.load(modelDir)) {
            return Evaluator.evaluate(model, tokenizer, tasks, options);
        }
    }
}
