package dev.amalgam.arch;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TensorSetCheckTest {
    static final List<String> FULL = List.of("model.embed_tokens.weight", "model.layers.3.mlp.up_proj.weight",
            "model.layers.3.mlp.down_proj.weight", "model.norm.weight");

    private static String error(Map<String, List<String>> models) {
        return assertThrows(BadInputException.class, () -> TensorSetCheck.requireSame(models)).getMessage();
    }

    @Test
    void sameSetsInAnyOrderPass() {
        Map<String, List<String>> models = new LinkedHashMap<>();
        models.put("a", FULL);
        models.put("b", FULL.reversed());
        assertDoesNotThrow(() -> TensorSetCheck.requireSame(models));
        assertDoesNotThrow(() -> TensorSetCheck.requireSame(Map.of("only", FULL)));
    }

    @Test
    void namesTheFirstMissingOrExtraTensorAndTheModels() {
        Map<String, List<String>> models = new LinkedHashMap<>();
        models.put("A", FULL);
        models.put("B", FULL);
        models.put("C", List.of("model.embed_tokens.weight", "model.layers.3.mlp.down_proj.weight"));
        assertEquals("model 'C' lacks tensor 'model.layers.3.mlp.up_proj.weight' that model 'A' has"
                + " (and 1 more differing tensors)", error(models));

        models.put("C", List.of("model.embed_tokens.weight", "model.layers.3.mlp.up_proj.weight",
                "model.layers.3.mlp.down_proj.weight", "model.norm.weight", "lm_head.weight"));
        assertEquals("model 'C' has tensor 'lm_head.weight' that model 'A' lacks", error(models));
    }
}
