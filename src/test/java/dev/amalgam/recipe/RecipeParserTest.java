package dev.amalgam.recipe;

import dev.amalgam.BadInputException;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeParserTest {
    static final Path FILE = Path.of("recipe.yaml");

    static final String EXAMPLE_A = """
            merge_method: ties
            base_model: mistralai/Mistral-7B-v0.1
            models:
              - model: org/mistral-math
                parameters: {weight: [0.2, 0.6, 1.0], density: 0.5}        # weight rises with depth
              - model: org/mistral-chat
                parameters:
                  weight: [{filter: self_attn, value: 0.8}, {value: 0.4}]   # attention vs rest
                  density: [0.9, 0.5]
            parameters: {normalize: true, int8_mask: true, lambda: 1.0}
            dtype: bfloat16
            tokenizer:
              source: union
            chat_template: chatml
            """;

    static final String EXAMPLE_B = """
            merge_method: slerp
            base_model: org/llama-a
            slices:
              - sources: [{model: org/llama-a, layer_range: [0, 16]}, {model: org/llama-b, layer_range: [0, 16]}]
                parameters: {t: [0.0, 0.5]}
              - sources: [{model: org/llama-a, layer_range: [16, 32]}, {model: org/llama-b, layer_range: [16, 32]}]
                parameters: {t: [{filter: mlp, value: 0.7}, {value: 0.3}]}
            dtype: bfloat16
            out_dtype: float16
            """;

    static final String EXAMPLE_C = """
            merge_method: passthrough
            slices:
              - sources: [{model: org/model-x, layer_range: [0, 24]}]
              - sources:
                  - model: org/model-y
                    layer_range: [16, 32]
                    parameters: {scale: [{filter: o_proj, value: 0.5}, {filter: down_proj, value: 0.5}, {value: 1.0}]}
            dtype: bfloat16
            """;

    static MergeRecipe parse(String yaml) {
        return RecipeParser.parse(yaml, FILE);
    }

    static String error(String yaml) {
        return assertThrows(BadInputException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void exampleA() {
        MergeRecipe r = parse(EXAMPLE_A);
        assertEquals("ties", r.mergeMethod());
        assertEquals(new ModelRef("mistralai/Mistral-7B-v0.1"), r.baseModel());
        assertNull(r.slices());
        assertEquals(2, r.models().size());
        ModelEntry math = r.models().get(0);
        assertEquals("org/mistral-math", math.model().text());
        assertEquals(ParameterValue.Gradient.of(0.2, 0.6, 1.0), math.parameters().get("weight"));
        assertEquals(ParameterValue.of(0.5), math.parameters().get("density"));
        ParameterValue chatWeight = r.models().get(1).parameters().get("weight");
        assertEquals(0.8, chatWeight.evaluate("model.layers.0.self_attn.o_proj.weight", 0));
        assertEquals(0.4, chatWeight.evaluate("model.layers.0.mlp.up_proj.weight", 0));
        assertEquals(Map.of("normalize", ParameterValue.of(true), "int8_mask", ParameterValue.of(true),
                "lambda", ParameterValue.of(1.0)), r.parameters());
        assertEquals(DType.BF16, r.dtype());
        assertNull(r.outDtype());
        assertEquals(DType.BF16, r.outputDtype());
        assertEquals("union", r.tokenizerSource());
        assertEquals("chatml", r.chatTemplate());
        assertNull(r.randomSeed());
        assertEquals(FILE, r.sourceFile());
    }

    @Test
    void exampleAWithTokenSettings() {
        String withTokens = EXAMPLE_A.replace("  source: union\n", "  source: union\n  pad_to_multiple_of: 64\n"
                + "  tokens: {\"<|im_start|>\": {source: org/mistral-chat, force: true}, x: {source: {kind: zero}},"
                + " y: {source: {kind: model_token, model: org/mistral-chat, token_id: 3}}}\n");
        MergeRecipe r = RecipeParser.parse(withTokens, FILE);
        assertEquals(new TokenizerSettings("union", java.util.Map.of(
                "<|im_start|>", new TokenizerSettings.TokenEmbedding(new TokenizerSettings.TokenSource.Model(new ModelRef("org/mistral-chat")), true),
                "x", new TokenizerSettings.TokenEmbedding(new TokenizerSettings.TokenSource.Zero(), false),
                "y", new TokenizerSettings.TokenEmbedding(new TokenizerSettings.TokenSource.ModelToken(new ModelRef("org/mistral-chat"), null, 3), false)),
                64), r.tokenizer());
        assertEquals(r, RecipeParser.parse(RecipeYaml.toYaml(r), FILE), "written back as the tokenizer: block");
        assertEquals("recipe.yaml: tokenizer.tokens.x.source: give one of token and token_id",
                error(EXAMPLE_A.replace("  source: union\n", "  tokens: {x: {source: {kind: model_token, model: a}}}\n")));
    }

    @Test
    void exampleB() {
        MergeRecipe r = parse(EXAMPLE_B);
        assertNull(r.models());
        assertEquals(2, r.slices().size());
        SliceSpec second = r.slices().get(1);
        assertEquals(List.of(new SliceSource(new ModelRef("org/llama-a"), 16, 32, Map.of()),
                new SliceSource(new ModelRef("org/llama-b"), 16, 32, Map.of())), second.sources());
        assertEquals(16, second.length());
        assertEquals(0.7, second.parameters().get("t").evaluate("model.layers.20.mlp.gate_proj.weight", 0.5));
        assertEquals(0.3, second.parameters().get("t").evaluate("model.layers.20.self_attn.q_proj.weight", 0.5));
        assertEquals(0.25, r.slices().get(0).parameters().get("t").evaluate("x", 0.5));
        assertEquals(DType.BF16, r.dtype());
        assertEquals(DType.F16, r.outDtype());
        assertEquals(DType.F16, r.outputDtype());
    }

    @Test
    void exampleC() {
        MergeRecipe r = parse(EXAMPLE_C);
        assertNull(r.baseModel());
        assertEquals(24 + 16, r.slices().stream().mapToInt(SliceSpec::length).sum());
        SliceSource y = r.slices().get(1).sources().getFirst();
        assertEquals(16, y.layerStart());
        assertEquals(32, y.layerEnd());
        ParameterValue scale = y.parameters().get("scale");
        assertEquals(0.5, scale.evaluate("model.layers.3.self_attn.o_proj.weight", 0));
        assertEquals(0.5, scale.evaluate("model.layers.3.mlp.down_proj.weight", 0));
        assertEquals(1.0, scale.evaluate("model.layers.3.mlp.up_proj.weight", 0));
    }

    @Test
    void extensionsAndIgnoredMergekitKeys() {
        MergeRecipe r = parse("""
                name: step1
                merge_method: linear
                models:
                  - model: ./a
                    parameters: {weight: 1, normalize: [true, false], note: fast, w: {filter: mlp, value: 2}}
                random_seed: 42
                tokenizer_source: base
                """);
        assertEquals(42L, r.randomSeed());
        assertEquals("base", r.tokenizerSource());
        Map<String, ParameterValue> p = r.models().getFirst().parameters();
        assertEquals(ParameterValue.of(1.0), p.get("weight"));
        assertEquals(new ParameterValue.ListValue(List.of(true, false)), p.get("normalize"));
        assertEquals(new ParameterValue.Scalar("fast"), p.get("note"));
        assertEquals(new ParameterValue.Filtered(List.of(new ParameterValue.FilterEntry("mlp", ParameterValue.of(2.0)))), p.get("w"));

        MergeRecipe sliced = parse("""
                merge_method: passthrough
                slices:
                  - sources: [{model: ./a, layer_range: [0, 2]}]
                    residual_weight: 0.5
                """);
        assertEquals(2, sliced.slices().getFirst().length());
    }

    @Test
    void unknownKeysSuggestTheNearestValidKey() {
        assertEquals("recipe.yaml: merge_methd: unknown key (did you mean 'merge_method'?)",
                error("merge_methd: ties\nmodels: [{model: a}]\n"));
        assertEquals("recipe.yaml: models[0].paramters: unknown key (did you mean 'parameters'?)",
                error("merge_method: linear\nmodels: [{model: a, paramters: {weight: 1}}]\n"));
        assertEquals("recipe.yaml: slices[0].sources[0].layer_rang: unknown key (did you mean 'layer_range'?)",
                error("merge_method: passthrough\nslices: [{sources: [{model: a, layer_rang: [0, 1]}]}]\n"));
        assertEquals("recipe.yaml: models[0].parameters.weight[0].filtr: unknown key (did you mean 'filter'?)",
                error("merge_method: linear\nmodels: [{model: a, parameters: {weight: [{filtr: mlp, value: 1}]}}]\n"));
        String far = error("merge_method: linear\nmodels: [{model: a}]\nzzzzzzzzzz: 1\n");
        assertTrue(far.startsWith("recipe.yaml: zzzzzzzzzz: unknown key (expected one of: merge_method, "), far);
    }

    @Test
    void wrongTypesNameTheKeyPath() {
        assertEquals("recipe.yaml: models[1].parameters.weight: expected a number, a boolean, a list of numbers or a"
                        + " filter list, got a list [0.5,\"x\"]",
                error("merge_method: linear\nmodels: [{model: a}, {model: b, parameters: {weight: [0.5, x]}}]\n"));
        assertEquals("recipe.yaml: models[0].parameters.weight: expected a number, a boolean, a list of numbers or a"
                        + " filter list, got null",
                error("merge_method: linear\nmodels: [{model: a, parameters: {weight: ~}}]\n"));
        assertEquals("recipe.yaml: parameters.t[1].value: expected a number, a boolean or a list of numbers,"
                        + " got a mapping {\"a\":1}",
                error("merge_method: slerp\nmodels: [{model: a}]\nparameters: {t: [{filter: mlp, value: 1}, {value: {a: 1}}]}\n"));
        assertEquals("recipe.yaml: parameters.t.filter: expected a tensor-name substring, got a number 3",
                error("merge_method: slerp\nmodels: [{model: a}]\nparameters: {t: {filter: 3, value: 1}}\n"));
        assertEquals("recipe.yaml: models: expected a list of {model, parameters}, got a string 'a'",
                error("merge_method: linear\nmodels: a\n"));
        assertEquals("recipe.yaml: merge_method: expected a merge method name such as ties, linear or slerp, got a number 3",
                error("merge_method: 3\nmodels: [{model: a}]\n"));
        assertEquals("recipe.yaml: merge_method: missing (expected a merge method name such as ties, linear or slerp)",
                error("models: [{model: a}]\n"));
        assertEquals("recipe.yaml: random_seed: expected an integer, got a number 1.5",
                error("merge_method: linear\nmodels: [{model: a}]\nrandom_seed: 1.5\n"));
        assertEquals("recipe.yaml: dtype: unknown dtype 'int4' (expected bfloat16, float16 or float32)",
                error("merge_method: linear\nmodels: [{model: a}]\ndtype: int4\n"));
        assertEquals("recipe.yaml: models[0].model: missing (expected a model folder)", error("merge_method: linear\nmodels: [{parameters: {}}]\n"));
    }

    @Test
    void modelsAndSlicesAreExclusive() {
        assertEquals("recipe.yaml: slices: give either models or slices, not both", error("""
                merge_method: linear
                models: [{model: a}]
                slices: [{sources: [{model: a, layer_range: [0, 1]}]}]
                """));
        assertEquals("recipe.yaml: models: missing: a recipe needs models (or slices)", error("merge_method: linear\n"));
        assertEquals("recipe.yaml: modules: multi-module recipes are not supported yet (use models or slices)",
                error("merge_method: linear\nmodules: {text: {models: [{model: a}]}}\n"));
    }

    @Test
    void badLayerRanges() {
        String expected = "expected [start, end] with 0 <= start < end (end exclusive)";
        assertEquals("recipe.yaml: slices[0].sources[0].layer_range: " + expected + ", got a list [5,3]",
                error("merge_method: passthrough\nslices: [{sources: [{model: a, layer_range: [5, 3]}]}]\n"));
        assertEquals("recipe.yaml: slices[0].sources[0].layer_range: " + expected + ", got a list [-1,3]",
                error("merge_method: passthrough\nslices: [{sources: [{model: a, layer_range: [-1, 3]}]}]\n"));
        assertEquals("recipe.yaml: slices[0].sources[0].layer_range: " + expected + ", got a list [0,1,2]",
                error("merge_method: passthrough\nslices: [{sources: [{model: a, layer_range: [0, 1, 2]}]}]\n"));
        assertEquals("recipe.yaml: slices[0].sources[0].layer_range: missing (" + expected + ")",
                error("merge_method: passthrough\nslices: [{sources: [{model: a}]}]\n"));
        assertEquals("recipe.yaml: slices[0].sources[1].layer_range: spans 3 layers but sources[0] spans 2"
                        + " (every source of a slice must span the same number of layers)",
                error("merge_method: slerp\nslices: [{sources: [{model: a, layer_range: [0, 2]}, {model: b, layer_range: [0, 3]}]}]\n"));
    }

    @Test
    void unsupportedModelReferencesAndTokenizerCombinations() {
        assertEquals("recipe.yaml: models[0].model: LoRA references ('a+my/lora') are not supported yet;"
                        + " merge the LoRA into its model first and give that folder",
                error("merge_method: linear\nmodels: [{model: a+my/lora}]\n"));
        assertEquals("recipe.yaml: base_model: the object form of a model reference is not supported yet;"
                        + " give the folder as a string",
                error("merge_method: linear\nbase_model: {model: a}\nmodels: [{model: a}]\n"));
        assertEquals("recipe.yaml: tokenizer: give tokenizer or tokenizer_source, not both",
                error("merge_method: linear\nmodels: [{model: a}]\ntokenizer_source: base\ntokenizer: {source: base}\n"));
        assertEquals("recipe.yaml: tokenizer.pad_to_multiple_of: expected a positive integer, got 0",
                error("merge_method: linear\nmodels: [{model: a}]\ntokenizer: {pad_to_multiple_of: 0}\n"));
    }

    @Test
    void malformedYamlAndMultipleDocuments() {
        String dup = error("merge_method: linear\nmerge_method: ties\nmodels: [{model: a}]\n");
        assertTrue(dup.startsWith("recipe.yaml: invalid YAML: Duplicate field 'merge_method'"), dup);
        assertEquals("recipe.yaml: has 2 YAML documents; a multi-document (mergekit-multi) recipe runs with amalgam merge, not here",
                error("merge_method: linear\nmodels: [{model: a}]\n---\nmerge_method: ties\nmodels: [{model: a}]\n"));
        assertEquals("recipe.yaml: expected a merge recipe (a YAML mapping with merge_method), got a list [1,2]",
                error("[1, 2]\n"));
        String unclosed = error("merge_method: [linear\n");
        assertTrue(unclosed.startsWith("recipe.yaml: invalid YAML: "), unclosed);
    }
}
