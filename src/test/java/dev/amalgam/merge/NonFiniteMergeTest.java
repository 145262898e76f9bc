package dev.amalgam.merge;

import dev.amalgam.CliRun;
import dev.amalgam.FolderSnapshot;
import dev.amalgam.ModelFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * NaN and infinity in merges: a weight sum of zero under normalisation is refused before anything is written;
 * non-finite inputs are merged with a warning naming model, tensor and count; an output with non-finite values the
 * inputs lack is an error naming the tensor.
 */
class NonFiniteMergeTest {
    static final String NORM = "model.layers.1.input_layernorm.weight";

    static final Path base = SmallInputs.BASE;
    static final Path ft = SmallInputs.FT;
    @TempDir
    static Path models;
    static Path nan; // ft with two NaN and one +inf in NORM

    @BeforeAll
    static void writeModels() {
        nan = ModelFiles.copy(ft, models.resolve("nan"));
        ModelFiles.poke(nan, NORM, Float.NaN, 3, 7);
        ModelFiles.poke(nan, NORM, Float.POSITIVE_INFINITY, 9);
    }

    static CliRun merge(Path tmp, String yaml) throws IOException {
        Path recipe = tmp.resolve("recipe.yaml");
        Files.writeString(recipe, yaml.replace("$BASE", base.toString()).replace("$FT", ft.toString()).replace("$NAN", nan.toString()));
        return CliRun.run("merge", recipe.toString(), tmp.resolve("out").toString(), "--no-progress", "--device", "cpu");
    }

    static final String LINEAR = """
            merge_method: linear
            models:
              - model: $BASE
                parameters: {weight: %s}
              - model: $FT
                parameters: {weight: %s}
            """;

    @Test
    void weightsSummingToZeroUnderNormalizeAreRefused(@TempDir Path tmp) throws IOException {
        merge(tmp, LINEAR.formatted(0, 0)).assertBadInput("recipe.yaml", "model.embed_tokens.weight", "weight", "sum to 0", "normalize");
        merge(tmp, LINEAR.formatted(1, -1)).assertBadInput("recipe.yaml", "weight", "sum to 0", "normalize");
        assertFalse(Files.exists(tmp.resolve("out")));
        CliRun unnormalised = merge(tmp, LINEAR.formatted(1, -1) + "parameters: {normalize: false}\n");
        assertEquals(0, unnormalised.exit(), "without normalize, 1 and -1 is a plain difference: " + unnormalised.err());
    }

    @Test
    void weightsSummingToZeroOnlyInSomeLayersNameTheFirstSuchTensor(@TempDir Path tmp) throws IOException {
        // A filter list makes only the MLP weights cancel: the first of them is named.
        merge(tmp, LINEAR.formatted("[{filter: mlp, value: -1}, {value: 1}]", 1))
                .assertBadInput("model.layers.0.mlp.gate_proj.weight", "sum to 0");
    }

    @Test
    void nonFiniteInputsAreMergedWithAWarning(@TempDir Path tmp) throws IOException {
        CliRun r = merge(tmp, LINEAR.replace("$FT", "$NAN").formatted(0.5, 0.5));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("amalgam: warning: ") && l.contains(nan.toString())
                && l.contains(NORM) && l.contains("3 non-finite")), r.err());
        assertEquals(1, r.err().lines().filter(l -> l.contains("non-finite")).count(), "one warning per tensor: " + r.err());
        float[] merged = MergeCommandEndToEndTest.read(tmp.resolve("out"), NORM);
        assertTrue(Float.isNaN(merged[3]) && Float.isNaN(merged[7]) && merged[9] == Float.POSITIVE_INFINITY);
        assertTrue(Float.isFinite(merged[0]));
    }

    @Test
    void aMergeThatSpreadsNonFiniteInputsIsAnError(@TempDir Path tmp) throws IOException {
        var before = FolderSnapshot.of(models);
        // The case: dare_ties spread 2 NaN inputs over the whole tensor.
        merge(tmp, """
                merge_method: dare_ties
                base_model: $BASE
                models:
                  - model: $NAN
                    parameters: {weight: 1.0, density: 0.5}
                  - model: $FT
                    parameters: {weight: 0.5, density: 0.5}
                """).assertBadInput(NORM, "non-finite", "inputs have 3");
        assertEquals(before, FolderSnapshot.of(models));
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void finiteInputsThatOverflowAreAnError(@TempDir Path tmp) throws IOException {
        merge(tmp, LINEAR.formatted("3.0e38", "3.0e38") + "parameters: {normalize: false}\n")
                .assertBadInput("model.layers.0.input_layernorm.weight", "linear gives 16 non-finite", "inputs have none");
        assertFalse(Files.exists(tmp.resolve("out")));
    }
}
