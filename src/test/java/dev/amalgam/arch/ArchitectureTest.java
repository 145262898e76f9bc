package dev.amalgam.arch;

import dev.amalgam.BadInputException;
import dev.amalgam.Fixtures;
import dev.amalgam.safetensors.SafetensorsModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchitectureTest {

    static ModelConfig config(Path dir, String json) throws IOException {
        Files.writeString(dir.resolve("config.json"), json);
        return ModelConfig.read(dir);
    }

    @Test
    void classifiesTheRealStoriesModel() {
        Path stories = Fixtures.stories260K();
        ModelConfig cfg = ModelConfig.read(stories);
        try (SafetensorsModel model = SafetensorsModel.open(stories)) {
            List<String> names = model.tensorNames();
            Architecture arch = Architecture.forConfig(cfg, names);
            assertTrue(arch.known());
            assertEquals("LlamaForCausalLM", arch.name());
            assertEquals("num_hidden_layers", arch.layerCountKey());
            // the fixture ties its embeddings (no lm_head.weight): the expected set must match exactly
            assertEquals(new HashSet<>(arch.expectedTensors(cfg)), new HashSet<>(names));
            int layerTensors = 0;
            for (String n : names) {
                TensorRole role = arch.role(n);
                switch (n) {
                    case "model.embed_tokens.weight" -> assertEquals(TensorRole.EMBEDDING, role);
                    case "model.norm.weight" -> assertEquals(TensorRole.FINAL_NORM, role);
                    default -> {
                        assertEquals(TensorRole.LAYER, role, n);
                        int layer = arch.layerIndex(n).orElseThrow();
                        assertTrue(layer >= 0 && layer < cfg.numHiddenLayers(), n);
                        assertTrue(n.startsWith("model.layers." + layer + "."), n);
                        layerTensors++;
                    }
                }
            }
            assertEquals(5 * 9, layerTensors);
            assertTrue(arch.isEmbedding("model.embed_tokens.weight"));
            assertTrue(arch.isEmbedding("lm_head.weight"));
            assertFalse(arch.isEmbedding("model.layers.0.mlp.up_proj.weight"));
            assertEquals(TensorRole.LM_HEAD, arch.role("lm_head.weight"));
            assertTrue(arch.role("lm_head.weight").isPostWeight());
            assertFalse(arch.role("model.embed_tokens.weight").isPostWeight());
        }
    }

    @Test
    void qwenLayouts(@TempDir Path dir) throws IOException {
        ModelConfig qwen2Config = config(dir, "{\"architectures\": [\"Qwen2ForCausalLM\"], \"num_hidden_layers\": 2}");
        Architecture qwen2 = Architecture.forConfig(qwen2Config, List.of());
        List<String> q2 = qwen2.expectedTensors(qwen2Config);
        assertTrue(q2.containsAll(List.of("model.layers.1.self_attn.q_proj.bias", "model.layers.1.self_attn.k_proj.bias",
                "model.layers.1.self_attn.v_proj.bias", "lm_head.weight")), q2.toString());
        assertFalse(q2.contains("model.layers.0.self_attn.o_proj.bias"));
        assertEquals(1 + 2 * 12 + 2, q2.size());

        ModelConfig qwen3Config = config(dir,
                "{\"architectures\": [\"Qwen3ForCausalLM\"], \"num_hidden_layers\": 3, \"tie_word_embeddings\": true}");
        Architecture qwen3 = Architecture.forConfig(qwen3Config, List.of());
        List<String> q3 = qwen3.expectedTensors(qwen3Config);
        assertTrue(q3.containsAll(List.of("model.layers.2.self_attn.q_norm.weight", "model.layers.2.self_attn.k_norm.weight")));
        assertFalse(q3.contains("lm_head.weight"));
        assertFalse(q3.stream().anyMatch(n -> n.endsWith(".bias")));
        assertEquals(1 + 3 * 11 + 1, q3.size());
        assertEquals("model.embed_tokens.weight", q3.getFirst());
        assertEquals("model.norm.weight", q3.getLast());
        assertEquals(TensorRole.LAYER, qwen3.role("model.layers.2.self_attn.k_norm.weight"));

        Architecture mistral = Architecture.forConfig(config(dir, "{\"architectures\": [\"MistralForCausalLM\"]}"), List.of());
        assertTrue(mistral.known());
        assertEquals(Set.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"),
                Architecture.namesRunBy("llama"));
        assertTrue(Architecture.knownNames().containsAll(List.of("GPT2LMHeadModel", "GemmaForCausalLM", "Gemma2ForCausalLM",
                "Gemma3ForCausalLM", "Phi3ForCausalLM", "GraniteForCausalLM", "LlavaForConditionalGeneration")));
    }

    @Test
    void layerIndexAndWithLayer(@TempDir Path dir) throws IOException {
        Architecture llama = Architecture.forConfig(config(dir, "{\"architectures\": [\"LlamaForCausalLM\"]}"), List.of());
        assertEquals(OptionalInt.of(12), llama.layerIndex("model.layers.12.mlp.up_proj.weight"));
        assertEquals(OptionalInt.empty(), llama.layerIndex("model.norm.weight"));
        assertEquals(OptionalInt.empty(), llama.layerIndex("model.layers.x.mlp.up_proj.weight"));
        assertEquals(OptionalInt.empty(), llama.layerIndex("model.layers.12"));
        assertEquals(OptionalInt.empty(), llama.layerIndex("vision.model.layers.1.mlp.weight"));
        assertEquals("model.layers.3.self_attn.o_proj.weight", llama.withLayer("model.layers.17.self_attn.o_proj.weight", 3));
        assertEquals("model.layers.120.input_layernorm.weight", llama.withLayer("model.layers.0.input_layernorm.weight", 120));
        assertThrows(IllegalArgumentException.class, () -> llama.withLayer("model.norm.weight", 1));
        assertEquals(TensorRole.OTHER, llama.role("model.rotary_emb.inv_freq"));
    }

    @Test
    void infersAGenericLayoutForUnknownArchitectures(@TempDir Path dir) throws IOException {
        ModelConfig cfg = config(dir, "{\"architectures\": [\"FancyForCausalLM\"], \"n_layer\": 2}");
        List<String> names = List.of("transformer.wte.weight", "transformer.layers.0.attn.weight",
                "transformer.layers.0.mlp.weight", "transformer.layers.1.attn.weight", "transformer.layers.1.mlp.weight",
                "transformer.ln_f.weight", "lm_head.weight", "transformer.pos_bias");
        Architecture arch = Architecture.forConfig(cfg, names);
        assertFalse(arch.known());
        assertEquals("FancyForCausalLM", arch.name());
        assertEquals("n_layer", arch.layerCountKey());
        assertEquals("transformer.layers.", arch.layerPrefix());
        assertEquals(List.of("attn.weight", "mlp.weight"), arch.layerWeights().stream().map(Architecture.Weight::name).toList());
        assertEquals(TensorRole.EMBEDDING, arch.role("transformer.wte.weight"));
        assertEquals(TensorRole.FINAL_NORM, arch.role("transformer.ln_f.weight"));
        assertEquals(TensorRole.LM_HEAD, arch.role("lm_head.weight"));
        assertEquals(TensorRole.OTHER, arch.role("transformer.pos_bias"));
        assertEquals(OptionalInt.of(1), arch.layerIndex("transformer.layers.1.mlp.weight"));
        assertEquals("transformer.layers.5.mlp.weight", arch.withLayer("transformer.layers.1.mlp.weight", 5));
        assertEquals(new HashSet<>(names), new HashSet<>(arch.expectedTensors(cfg)));
        ModelConfig tied = config(dir, "{\"architectures\": [\"FancyForCausalLM\"], \"n_layer\": 2, \"tie_word_embeddings\": true}");
        assertFalse(arch.expectedTensors(tied).contains("lm_head.weight"));

        ModelConfig noLayers = config(dir, "{\"architectures\": [\"Blob\"]}");
        String msg = assertThrows(BadInputException.class, () -> Architecture.forConfig(noLayers, List.of("w"))).getMessage();
        assertEquals(dir.resolve("config.json") + ": architecture Blob is not supported (no tensor names like"
                + " '...layers.<n>....' to find its layers by); supported: " + String.join(", ", Architecture.knownNames()), msg);

        ModelConfig noCount = config(dir, "{\"architectures\": [\"Blob\"]}");
        Architecture blob = Architecture.forConfig(noCount, List.of("blob.layers.0.w"));
        assertEquals(dir.resolve("config.json") + ": architecture Blob is not supported (no layer count under num_hidden_layers,"
                + " n_layer, num_layers, n_layers); supported: " + String.join(", ", Architecture.knownNames()),
                assertThrows(BadInputException.class, () -> blob.layerCount(noCount)).getMessage());
    }

    /** GPT-2 is saved with or without its transformer. prefix; the catalogue takes the spelling the model uses. */
    @Test
    void gpt2LayersUnderEitherSpellingAndNLayer(@TempDir Path dir) throws IOException {
        ModelConfig cfg = config(dir, "{\"architectures\": [\"GPT2LMHeadModel\"], \"n_layer\": 3}");
        Architecture wrapped = Architecture.forConfig(cfg, List.of("transformer.wte.weight", "transformer.h.0.ln_1.weight"));
        Architecture bare = Architecture.forConfig(cfg, List.of("wte.weight", "h.0.ln_1.weight", "ln_f.weight"));
        assertEquals(OptionalInt.of(2), wrapped.layerIndex("transformer.h.2.attn.c_attn.weight"));
        assertEquals(OptionalInt.of(2), bare.layerIndex("h.2.attn.c_attn.weight"));
        assertEquals(OptionalInt.empty(), bare.layerIndex("transformer.h.2.attn.c_attn.weight"));
        assertEquals(TensorRole.EMBEDDING, bare.role("wte.weight"));
        assertEquals(TensorRole.FINAL_NORM, bare.role("ln_f.weight"));
        assertEquals(3, bare.layerCount(cfg));
    }

    /** A LLaVA-style model: layers counted in text_config, language tower layers under either spelling. */
    @Test
    void llavaLanguageTowerLayers(@TempDir Path dir) throws IOException {
        ModelConfig cfg = config(dir, "{\"architectures\": [\"LlavaForConditionalGeneration\"],"
                + " \"text_config\": {\"num_hidden_layers\": 5}}");
        Architecture arch = Architecture.forConfig(cfg, List.of("model.language_model.layers.0.mlp.up_proj.weight",
                "model.vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight"));
        assertEquals(5, arch.layerCount(cfg));
        assertEquals(OptionalInt.of(4), arch.layerIndex("model.language_model.layers.4.mlp.up_proj.weight"));
        assertEquals(OptionalInt.empty(), arch.layerIndex("model.vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight"));
        assertEquals(TensorRole.LM_HEAD, arch.role("lm_head.weight"));
        assertTrue(cfg.updatedJson(arch.layerCountKey(), 7, dev.amalgam.safetensors.DType.F32, null)
                .contains("\"num_hidden_layers\" : 7"));
    }
}
