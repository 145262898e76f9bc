package dev.amalgam.llm;

import dev.amalgam.BadInputException;
import dev.amalgam.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaConfigTest {
    @TempDir
    Path dir;

    @Test
    void readsTheFixtureConfig() {
        LlamaConfig c = LlamaConfig.read(Fixtures.stories260K());
        assertEquals(LlamaArchitecture.LLAMA, c.architecture());
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
    void optionalFieldsTakeTransformersDefaults() throws IOException {
        write("""
                {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 32, "intermediate_size": 40,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 10,
                 "max_position_embeddings": 128, "rms_norm_eps": 1e-6}""");
        LlamaConfig c = LlamaConfig.read(dir);
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(8, c.headDim());
        assertEquals(10000.0, c.ropeTheta());
        assertFalse(c.tieWordEmbeddings());
        assertTrue(c.qkvBias(), "Qwen2 always has q/k/v biases");
        assertFalse(c.outputBias());
    }

    @Test
    void llama3RopeScalingIsRead() throws IOException {
        write("""
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 32, "intermediate_size": 40,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 10,
                 "max_position_embeddings": 128, "rms_norm_eps": 1e-6, "rope_theta": 500000.0,
                 "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}""");
        assertEquals(new RopeScaling(32, 1, 4, 8192), LlamaConfig.read(dir).ropeScaling());
    }

    @Test
    void otherRopeScalingTypesAreRejected() throws IOException {
        write("""
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 32, "intermediate_size": 40,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 10,
                 "max_position_embeddings": 128, "rms_norm_eps": 1e-6,
                 "rope_scaling": {"type": "yarn", "factor": 4.0}}""");
        BadInputException e = assertThrows(BadInputException.class, () -> LlamaConfig.read(dir));
        assertTrue(e.getMessage().contains("'rope_scaling'") && e.getMessage().contains("yarn"), e.getMessage());
    }

    @Test
    void headsMustBeAMultipleOfKvHeads() throws IOException {
        write("""
                {"architectures": ["MistralForCausalLM"], "hidden_size": 32, "intermediate_size": 40,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3, "vocab_size": 10,
                 "max_position_embeddings": 128, "rms_norm_eps": 1e-6}""");
        BadInputException e = assertThrows(BadInputException.class, () -> LlamaConfig.read(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("num_key_value_heads"), e.getMessage());
    }

    private void write(String json) throws IOException {
        Files.writeString(dir.resolve(LlamaConfig.FILE), json);
    }
}
