package dev.amalgam.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.BadInputException;
import dev.amalgam.Fixtures;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelConfigTest {
    @Test
    void readsTheStoriesConfig() {
        ModelConfig cfg = ModelConfig.read(Fixtures.stories260K());
        assertEquals("LlamaForCausalLM", cfg.architecture());
        assertEquals(5, cfg.numHiddenLayers());
        assertEquals(5, cfg.layerCount("num_hidden_layers"));
        assertTrue(cfg.tieWordEmbeddings());
        assertEquals(512, cfg.vocabSize());
        assertEquals(64, cfg.hiddenSize());
    }

    @Test
    void updatedJsonChangesOnlyTheGivenFields() throws IOException {
        ModelConfig cfg = ModelConfig.read(Fixtures.stories260K());
        ObjectMapper json = new ObjectMapper();
        JsonNode original = json.readTree(Files.readString(Fixtures.stories260K().resolve("config.json")));
        JsonNode updated = json.readTree(cfg.updatedJson("num_hidden_layers", 8, DType.BF16, 640));
        assertEquals(8, updated.get("num_hidden_layers").intValue());
        assertEquals("bfloat16", updated.get("torch_dtype").textValue());
        assertEquals(640, updated.get("vocab_size").intValue());
        assertFalse(updated.has("dtype"));
        var fields = original.properties().iterator();
        while (fields.hasNext()) {
            var e = fields.next();
            if (!e.getKey().equals("num_hidden_layers") && !e.getKey().equals("torch_dtype") && !e.getKey().equals("vocab_size")) {
                assertEquals(e.getValue(), updated.get(e.getKey()), e.getKey());
            }
        }
        assertEquals(original.size(), updated.size());
        // the kept config is not modified by producing an update
        assertEquals(512, json.readTree(cfg.updatedJson("num_hidden_layers", 5, DType.F32, null)).get("vocab_size").intValue());
    }

    @Test
    void newerDtypeKeyIsUpdatedToo(@TempDir Path dir) throws IOException {
        ModelConfig cfg = ArchitectureTest.config(dir, "{\"architectures\": [\"X\"], \"dtype\": \"float32\", \"num_hidden_layers\": 2}");
        JsonNode updated = new ObjectMapper().readTree(cfg.updatedJson("num_hidden_layers", 3, DType.F16, null));
        assertEquals("float16", updated.get("dtype").textValue());
        assertEquals("float16", updated.get("torch_dtype").textValue());
        assertFalse(updated.has("vocab_size"));
    }

    @Test
    void errorsNameTheFileAndField(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        assertEquals(file + ": not found (expected the Hugging Face config.json of a model folder)",
                assertThrows(BadInputException.class, () -> ModelConfig.read(dir)).getMessage());

        Files.writeString(file, "{\"architectures\": [\"LlamaForCausalLM\"], ");
        assertTrue(assertThrows(BadInputException.class, () -> ModelConfig.read(dir)).getMessage()
                .startsWith(file + ": invalid JSON: "));

        Files.writeString(file, "[1]");
        assertEquals(file + ": expected a JSON object, got a list [1]",
                assertThrows(BadInputException.class, () -> ModelConfig.read(dir)).getMessage());

        ModelConfig cfg = ArchitectureTest.config(dir,
                "{\"architectures\": [], \"vocab_size\": \"big\", \"hidden_size\": 0, \"tie_word_embeddings\": 1}");
        assertEquals(file + ": architectures: expected a list like [\"LlamaForCausalLM\"], got an empty list",
                assertThrows(BadInputException.class, cfg::architecture).getMessage());
        assertEquals(file + ": num_hidden_layers: missing (expected a positive integer)",
                assertThrows(BadInputException.class, cfg::numHiddenLayers).getMessage());
        assertEquals(file + ": vocab_size: expected a positive integer, got a string 'big'",
                assertThrows(BadInputException.class, cfg::vocabSize).getMessage());
        assertEquals(file + ": hidden_size: expected a positive integer, got a number 0",
                assertThrows(BadInputException.class, cfg::hiddenSize).getMessage());
        assertEquals(file + ": tie_word_embeddings: expected true or false, got a number 1",
                assertThrows(BadInputException.class, cfg::tieWordEmbeddings).getMessage());
        assertFalse(ArchitectureTest.config(dir, "{}").tieWordEmbeddings());
    }
}
