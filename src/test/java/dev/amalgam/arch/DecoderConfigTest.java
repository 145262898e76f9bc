package dev.amalgam.arch;

import dev.amalgam.Fixtures;
import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The forward pass's typed view of config.json, and the tensor shapes the catalogue derives from it. */
class DecoderConfigTest {
    private static final String LLAMA = "llama";

    @TempDir
    Path dir;

    @Test
    void readsTheFixtureConfig() {
        DecoderConfig c = ModelConfig.read(Fixtures.stories260K()).decoder(LLAMA);
        assertEquals("LlamaForCausalLM", c.architecture().name());
        assertEquals(64, c.hiddenSize());
        assertEquals(172, c.intermediateSize());
        assertEquals(5, c.numHiddenLayers());
        assertEquals(8, c.numAttentionHeads());
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(8, c.headDim());
        assertEquals(512, c.vocabSize());
        assertEquals(1e-5, c.rmsNormEps());
        assertTrue(c.tieWordEmbeddings());
        assertNull(c.ropeScaling());
    }

    @Test
    void shapesComeFromTheCatalogue() {
        Map<String, long[]> shapes = ModelConfig.read(Fixtures.stories260K()).decoder(LLAMA).expectedShapes();
        assertEquals(1 + 5 * 9 + 1, shapes.size(), "tied: no lm_head");
        assertArrayEquals(new long[]{512, 64}, shapes.get("model.embed_tokens.weight"));
        assertArrayEquals(new long[]{8 * 8, 64}, shapes.get("model.layers.4.self_attn.q_proj.weight"));
        assertArrayEquals(new long[]{4 * 8, 64}, shapes.get("model.layers.4.self_attn.k_proj.weight"));
        assertArrayEquals(new long[]{64, 8 * 8}, shapes.get("model.layers.0.self_attn.o_proj.weight"));
        assertArrayEquals(new long[]{64, 172}, shapes.get("model.layers.0.mlp.down_proj.weight"));
        assertArrayEquals(new long[]{64}, shapes.get("model.norm.weight"));
    }

    @Test
    void optionalFieldsTakeTransformersDefaults() throws IOException {
        write("""
                {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 32, "intermediate_size": 40,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 10,
                 "max_position_embeddings": 128, "rms_norm_eps": 1e-6}""");
        DecoderConfig c = ModelConfig.read(dir).decoder(LLAMA);
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(8, c.headDim());
        assertEquals(10000.0, c.ropeTheta());
        assertFalse(c.tieWordEmbeddings());
        Map<String, long[]> shapes = c.expectedShapes();
        assertArrayEquals(new long[]{32}, shapes.get("model.layers.1.self_attn.q_proj.bias"), "Qwen2 always has q/k/v biases");
        assertFalse(shapes.containsKey("model.layers.1.self_attn.o_proj.bias"));
        assertArrayEquals(new long[]{10, 32}, shapes.get("lm_head.weight"));
    }

    @Test
    void attentionBiasAndQkNormTensorsFollowTheConfigAndTheEntry() throws IOException {
        write("""
                {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 32, "intermediate_size": 40, "head_dim": 16,
                 "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 10,
                 "max_position_embeddings": 128, "rms_norm_eps": 1e-6, "attention_bias": true, "tie_word_embeddings": true}""");
        Map<String, long[]> shapes = ModelConfig.read(dir).decoder(LLAMA).expectedShapes();
        assertArrayEquals(new long[]{16}, shapes.get("model.layers.0.self_attn.q_norm.weight"));
        assertArrayEquals(new long[]{2 * 16}, shapes.get("model.layers.0.self_attn.v_proj.bias"));
        assertArrayEquals(new long[]{32, 4 * 16}, shapes.get("model.layers.0.self_attn.o_proj.weight"));
        assertArrayEquals(new long[]{32}, shapes.get("model.layers.0.self_attn.o_proj.bias"));
        assertFalse(shapes.containsKey("lm_head.weight"));
    }

    @Test
    void everyArchitectureTheForwardPassRunsHasAShapeForEveryTensor() throws IOException {
        for (String name : Architecture.namesRunBy(LLAMA)) {
            for (String flags : new String[]{"false", "true"}) {
                write("{\"architectures\": [\"" + name + "\"], \"hidden_size\": 32, \"intermediate_size\": 40,"
                        + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"vocab_size\": 10,"
                        + " \"max_position_embeddings\": 128, \"rms_norm_eps\": 1e-6,"
                        + " \"attention_bias\": " + flags + ", \"tie_word_embeddings\": " + flags + "}");
                DecoderConfig c = ModelConfig.read(dir).decoder(LLAMA);
                Map<String, long[]> shapes = c.expectedShapes();
                assertEquals(new HashSet<>(c.architecture().expectedTensors(ModelConfig.read(dir))), shapes.keySet(), name);
                assertTrue(shapes.values().stream().allMatch(shape -> shape.length > 0), name);
            }
        }
    }

    @Test
    void llama3RopeScalingIsRead() throws IOException {
        writeLlama("""
                "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}""");
        assertEquals(new RopeScaling(32, 1, 4, 8192), ModelConfig.read(dir).decoder(LLAMA).ropeScaling());
    }

    @Test
    void otherRopeScalingTypesAreRejected() throws IOException {
        writeLlama("\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}");
        BadInputException e = assertThrows(BadInputException.class, () -> ModelConfig.read(dir).decoder(LLAMA));
        assertTrue(e.getMessage().contains("rope_scaling.type: ") && e.getMessage().contains("yarn"), e.getMessage());
    }

    @Test
    void ropeScalingRulesNameTheirKey() throws IOException {
        writeLlama("""
                "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 4.0,
                                 "high_freq_factor": 1.0, "original_max_position_embeddings": 8192}""");
        assertEquals(dir.resolve("config.json") + ": rope_scaling.high_freq_factor: expected more than low_freq_factor (4.0), got 1.0",
                assertThrows(BadInputException.class, () -> ModelConfig.read(dir).decoder(LLAMA)).getMessage());
    }

    @Test
    void headsMustBeAMultipleOfKvHeads() throws IOException {
        write("""
                {"architectures": ["MistralForCausalLM"], "hidden_size": 32, "intermediate_size": 40,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3, "vocab_size": 10,
                 "max_position_embeddings": 128, "rms_norm_eps": 1e-6}""");
        BadInputException e = assertThrows(BadInputException.class, () -> ModelConfig.read(dir).decoder(LLAMA));
        assertEquals(dir.resolve("config.json") + ": num_key_value_heads: expected a divisor of num_attention_heads (4), got 3",
                e.getMessage());
    }

    @Test
    void architecturesWithoutThisForwardPassAreNamed() throws IOException {
        write("{\"architectures\": [\"GPT2LMHeadModel\"], \"n_layer\": 2}");
        assertEquals(dir.resolve("config.json") + ": architectures: 'GPT2LMHeadModel' has no llama forward pass; expected one of"
                        + " [LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM]",
                assertThrows(BadInputException.class, () -> ModelConfig.read(dir).decoder(LLAMA)).getMessage());
    }

    /** A small Llama config with {@code fields} added. */
    private void writeLlama(String fields) throws IOException {
        write("""
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 32, "intermediate_size": 40,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 10,
                 "max_position_embeddings": 128, "rms_norm_eps": 1e-6, """ + fields + "}");
    }

    private void write(String json) throws IOException {
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), json);
    }
}
