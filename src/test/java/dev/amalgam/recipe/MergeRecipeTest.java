package dev.amalgam.recipe;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MergeRecipeTest {
    @Test
    void lookupPrefersSourceThenSliceThenTopLevel() {
        MergeRecipe r = RecipeParserTest.parse("""
                merge_method: ties
                base_model: b
                slices:
                  - sources:
                      - {model: a, layer_range: [0, 2], parameters: {weight: 0.9}}
                      - {model: b, layer_range: [0, 2]}
                    parameters: {weight: 0.5, density: 0.7}
                parameters: {weight: 0.1, density: 0.2, lambda: 1.5}
                """);
        SliceSpec slice = r.slices().getFirst();
        SliceSource a = slice.sources().get(0);
        SliceSource b = slice.sources().get(1);
        assertEquals(Optional.of(ParameterValue.of(0.9)), r.parameter("weight", slice, a));
        assertEquals(Optional.of(ParameterValue.of(0.5)), r.parameter("weight", slice, b));
        assertEquals(Optional.of(ParameterValue.of(0.7)), r.parameter("density", slice, a));
        assertEquals(Optional.of(ParameterValue.of(1.5)), r.parameter("lambda", slice, a));
        assertEquals(Optional.of(ParameterValue.of(0.5)), r.parameter("weight", slice, null));
        assertEquals(Optional.empty(), r.parameter("gamma", slice, a));
    }

    @Test
    void parameterSitesListEverySettingWithItsKeyPath() {
        MergeRecipe r = RecipeParserTest.parse(RecipeParserTest.EXAMPLE_C.replace("dtype: bfloat16", "parameters: {x: 1}"));
        List<ParameterSite> sites = r.parameterSites();
        assertEquals(List.of("slices[1].sources[0].parameters.scale", "parameters.x"),
                sites.stream().map(ParameterSite::keyPath).toList());
        assertEquals(List.of(true, false), sites.stream().map(ParameterSite::perModel).toList());
        assertEquals(r.slices().get(1).sources().getFirst().parameters().get("scale"), sites.getFirst().value());

        List<ParameterSite> a = RecipeParserTest.parse(RecipeParserTest.EXAMPLE_A).parameterSites();
        assertEquals(List.of("models[0].parameters.weight", "models[0].parameters.density", "models[1].parameters.weight",
                        "models[1].parameters.density", "parameters.normalize", "parameters.int8_mask", "parameters.lambda"),
                a.stream().map(ParameterSite::keyPath).toList());
        assertEquals("lambda", a.getLast().name());
    }

    @Test
    void modelsRecipeBecomesOneFullDepthSliceWithTheBaseAppended() {
        MergeRecipe r = RecipeParserTest.parse("""
                merge_method: ties
                base_model: base
                models:
                  - {model: a, parameters: {weight: 0.3}}
                  - {model: c}
                parameters: {density: 0.5}
                """);
        List<SliceSpec> slices = r.effectiveSlices(ref -> 4);
        assertEquals(1, slices.size());
        SliceSpec s = slices.getFirst();
        assertEquals(List.of(new SliceSource(new ModelRef("a"), 0, 4, Map.of("weight", ParameterValue.of(0.3))),
                new SliceSource(new ModelRef("c"), 0, 4, Map.of()),
                new SliceSource(new ModelRef("base"), 0, 4, Map.of())), s.sources());
        assertEquals(new ModelRef("base"), r.baseFor(s));
        assertEquals(Optional.of(ParameterValue.of(0.3)), r.parameter("weight", s, s.sources().getFirst()));
        assertEquals(Optional.of(ParameterValue.of(0.5)), r.parameter("density", s, s.sources().get(1)));

        String msg = assertThrows(BadInputException.class,
                () -> r.effectiveSlices(ref -> ref.text().equals("c") ? 3 : 4)).getMessage();
        assertEquals("recipe.yaml: models: 'a' has 4 layers but 'c' has 3 (use slices: to merge models of different depths)", msg);

        MergeRecipe sliced = RecipeParserTest.parse(RecipeParserTest.EXAMPLE_B);
        assertEquals(sliced.slices(), sliced.effectiveSlices(ref -> { throw new AssertionError("not needed"); }));
    }

    @Test
    void resolvesModelsRelativeToTheRecipeFolder(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("models/a"));
        Path abs = Files.createDirectories(dir.resolve("elsewhere/b"));
        Path recipe = dir.resolve("recipe.yaml");
        Files.writeString(recipe, "merge_method: linear\nbase_model: models/a\nmodels:\n  - model: models/a\n  - model: " + abs + "\n");
        Map<ModelRef, Path> folders = RecipeParser.parse(recipe).resolveModels();
        assertEquals(Map.of(new ModelRef("models/a"), dir.resolve("models/a").toAbsolutePath(), new ModelRef(abs.toString()), abs),
                folders);
    }

    @Test
    void missingFoldersAndHubIdsNameFileAndKey(@TempDir Path dir) throws IOException {
        Path recipe = dir.resolve("recipe.yaml");
        Files.writeString(dir.resolve("file.txt"), "x");
        Files.createDirectories(dir.resolve("a"));

        Files.writeString(recipe, "merge_method: linear\nmodels:\n  - model: a\n  - model: org/name\n");
        String hub = assertThrows(BadInputException.class, () -> RecipeParser.parse(recipe).resolveModels()).getMessage();
        assertTrue(hub.startsWith(recipe + ": models[1].model: model 'org/name' is not downloaded (looked in the Hugging Face cache "), hub);
        assertTrue(hub.endsWith("models--org--name and in " + dir.toAbsolutePath().normalize().resolve("org/name")
                + "); download it with: huggingface-cli download org/name (Amalgam never downloads)"), hub);

        Files.writeString(recipe, "merge_method: passthrough\nslices:\n  - sources: [{model: a, layer_range: [0, 1]}]\n"
                + "  - sources: [{model: ./missing, layer_range: [0, 1]}]\n");
        assertEquals(recipe + ": slices[1].sources[0].model: model folder './missing' not found (looked in "
                        + dir.toAbsolutePath().normalize() + " and the working directory)",
                assertThrows(BadInputException.class, () -> RecipeParser.parse(recipe).resolveModels()).getMessage());

        Files.writeString(recipe, "merge_method: linear\nmodels: [{model: a}]\ntokenizer_source: file.txt\n");
        assertEquals(recipe + ": tokenizer_source: model 'file.txt' is not a folder (" + dir.resolve("file.txt")
                        + "); give the folder holding config.json and the safetensors files",
                assertThrows(BadInputException.class, () -> RecipeParser.parse(recipe).resolveModels()).getMessage());
    }

    @Test
    void unreadableRecipeFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        String msg = assertThrows(BadInputException.class, () -> RecipeParser.parse(missing)).getMessage();
        assertEquals(missing + ": not found (expected a merge recipe)", msg);
    }
}
