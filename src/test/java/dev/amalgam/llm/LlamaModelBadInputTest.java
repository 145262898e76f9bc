package dev.amalgam.llm;

import ai.djl.Device;
import dev.amalgam.BadInputException;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Broken model folders fail with a one-line BadInputException naming the file and the culprit. */
class LlamaModelBadInputTest {
    private static final TinyLlama.Spec SPEC =
            new TinyLlama.Spec("LlamaForCausalLM", 16, 24, 2, 4, 2, 4, 30, true, false, null);
    private static final String Q_PROJ = "model.layers.1.self_attn.q_proj.weight";

    @TempDir
    Path dir;

    @Test
    void folderWithoutConfigJson() throws IOException {
        TinyLlama.write(dir, SPEC, DType.F32, Long.MAX_VALUE, 1, plan -> { });
        Files.delete(dir.resolve("config.json"));
        assertBadInput("config.json", "not found");
    }

    @Test
    void unsupportedArchitecture() throws IOException {
        TinyLlama.write(dir, SPEC, DType.F32, Long.MAX_VALUE, 1, plan -> { });
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        assertBadInput("config.json", "architectures: ", "GPT2LMHeadModel", "Qwen3ForCausalLM");
    }

    @Test
    void missingConfigField() throws IOException {
        TinyLlama.write(dir, SPEC, DType.F32, Long.MAX_VALUE, 1, plan -> { });
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"vocab_size\"", "\"vocab\""));
        assertBadInput("config.json", "vocab_size: ", "missing");
    }

    @Test
    void missingTensor() {
        TinyLlama.write(dir, SPEC, DType.F32, Long.MAX_VALUE, 1, plan -> plan.remove(Q_PROJ));
        assertBadInput(dir.toString(), Q_PROJ, "missing");
    }

    @Test
    void tensorWithTheWrongShape() {
        TinyLlama.write(dir, SPEC, DType.F32, Long.MAX_VALUE, 1, plan -> plan.put(Q_PROJ, new long[]{16, 15}));
        assertBadInput("model.safetensors", Q_PROJ, "[16, 15]", "expected [16, 16]");
    }

    @Test
    void untiedModelWithoutLmHead() throws IOException {
        TinyLlama.write(dir, SPEC, DType.F32, Long.MAX_VALUE, 1, plan -> { });
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"tie_word_embeddings\":true", "\"tie_word_embeddings\":false"));
        assertBadInput(dir.toString(), "lm_head.weight", "missing");
    }

    private void assertBadInput(String... fragments) {
        BadInputException e = assertThrows(BadInputException.class, () -> LlamaModel.load(dir, Device.cpu()).close());
        String message = e.getMessage();
        assertFalse(message.contains("\n"), message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), "'" + message + "' should mention " + fragment);
        }
    }
}
