package dev.amalgam.recipe;

import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeYamlTest {
    private static void assertRoundTrip(MergeRecipe r) {
        String yaml = RecipeYaml.toYaml(r);
        Path other = Path.of("written.yaml");
        assertEquals(r.withSourceFile(other), RecipeParser.parse(yaml, other), yaml);
    }

    @Test
    void specExamplesRoundTrip() {
        for (String example : List.of(RecipeParserTest.EXAMPLE_A, RecipeParserTest.EXAMPLE_B, RecipeParserTest.EXAMPLE_C)) {
            assertRoundTrip(RecipeParserTest.parse(example));
        }
    }

    @Test
    void writesMergekitShapes() {
        String yaml = RecipeYaml.toYaml(RecipeParserTest.parse(RecipeParserTest.EXAMPLE_B));
        assertTrue(yaml.startsWith("merge_method: slerp\nbase_model: org/llama-a\nslices:\n"), yaml);
        assertTrue(yaml.contains("layer_range:\n          - 16\n          - 32\n"), yaml);
        assertTrue(yaml.contains("- filter: mlp\n          value: 0.7\n        - value: 0.3\n"), yaml);
        assertTrue(yaml.contains("dtype: bfloat16\nout_dtype: float16\n"), yaml);
    }

    @Test
    void codeBuiltRecipeWithTrickyValuesRoundTrips() {
        Map<String, ParameterValue> p = new LinkedHashMap<>();
        p.put("weight", ParameterValue.Gradient.of(0.1, 1e-9, -3.25));
        p.put("flags", new ParameterValue.ListValue(List.of(true, "0.5", "yes", "null")));
        p.put("note", new ParameterValue.Scalar("true"));
        p.put("density", new ParameterValue.Filtered(List.of(
                new ParameterValue.FilterEntry("*", ParameterValue.Gradient.of(0.3)),
                new ParameterValue.FilterEntry(null, ParameterValue.of(false)))));
        MergeRecipe r = new MergeRecipe("dare_ties", new ModelRef("./base"),
                List.of(new ModelEntry(new ModelRef("./a"), p), new ModelEntry(new ModelRef("/abs/b c"), Map.of())),
                null, Map.of("lambda", ParameterValue.of(0.9)), DType.F32, DType.BF16, TokenizerSettings.of("./a"), 1234567890123L,
                "{% for m in messages %}\n  {{ m.content }}: #x\n{% endfor %}", Path.of("code"));
        assertRoundTrip(r);
        assertRoundTrip(new MergeRecipe("passthrough", null, null,
                List.of(new SliceSpec(List.of(new SliceSource(new ModelRef("m"), 3, 4, Map.of())), new ModelRef("m"), p)),
                Map.of(), null, null, null, null, null, Path.of("code")));
    }
}
