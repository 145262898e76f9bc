package dev.amalgam.merge;

import dev.amalgam.bench.SyntheticLlama;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Bad input: a one-line error naming the culprit, exit code 2, and no output folder (final or partial). */
class MergeCommandErrorsTest {
    @TempDir
    static Path models;
    static Path base;
    static Path ft;

    @BeforeAll
    static void writeModels() {
        base = models.resolve("base");
        ft = models.resolve("ft");
        MergeCommandEndToEndTest.SHAPE.write(base, DType.F32, 1, 0, 0f, 1 << 20);
        MergeCommandEndToEndTest.SHAPE.write(ft, DType.F32, 1, 3, 1f, 1 << 20);
    }

    /** Runs a TIES recipe with {@code models:} entries for base and the given second model; asserts the failure. */
    static String fails(Path tmp, String yaml, String... mustContain) throws IOException {
        Path recipe = tmp.resolve("recipe.yaml");
        Files.writeString(recipe, yaml.replace("$BASE", base.toString()).replace("$FT", ft.toString()));
        Path out = tmp.resolve("out");
        MergeCommandEndToEndTest.Run r = MergeCommandEndToEndTest.merge(recipe, out);
        assertEquals(2, r.exit(), r.err());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), "one line: " + line);
        assertTrue(line.startsWith("amalgam: error: "), line);
        for (String s : mustContain) {
            assertTrue(line.contains(s), "'" + s + "' in: " + line);
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.filter(p -> p.getFileName().toString().contains("out")).count(), "no output left behind");
        }
        return line;
    }

    static final String TIES = """
            merge_method: ties
            base_model: $BASE
            models:
              - model: $FT
                parameters: {weight: 1.0, density: 0.5}
            """;

    /** A copy of the fine-tune whose safetensors file is edited by {@code edit}. */
    static Path brokenCopy(Path tmp, String name, java.util.function.UnaryOperator<byte[]> edit) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.copy(ft.resolve("config.json"), dir.resolve("config.json"));
        Files.write(dir.resolve("model.safetensors"), edit.apply(Files.readAllBytes(ft.resolve("model.safetensors"))));
        return dir;
    }

    static byte[] withHeader(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
    }

    @Test
    void missingModelFolder(@TempDir Path tmp) throws IOException {
        fails(tmp, TIES.replace("$FT", "/nowhere/model"), "recipe.yaml", "models[0].model", "/nowhere/model");
    }

    @Test
    void unionTokenizerWithoutTokenizersIsRefusedBeforeAnyOutputExists(@TempDir Path tmp) throws IOException {
        fails(tmp, TIES + "tokenizer_source: union\n", "recipe.yaml: tokenizer_source: union: ", "has no tokenizer.json (its embedding rows cannot be matched to tokens without it)");
    }

    @Test
    void truncatedShard(@TempDir Path tmp) throws IOException {
        Path bad = brokenCopy(tmp, "trunc", b -> java.util.Arrays.copyOf(b, b.length - 1000));
        fails(tmp, TIES.replace("$FT", bad.toString()), "model.safetensors", "truncated");
    }

    @Test
    void headerLengthBeyondFile(@TempDir Path tmp) throws IOException {
        Path bad = brokenCopy(tmp, "hdr", b -> {
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
            return b;
        });
        fails(tmp, TIES.replace("$FT", bad.toString()), "model.safetensors", "header length");
    }

    @Test
    void overlappingOffsets(@TempDir Path tmp) throws IOException {
        Path bad = brokenCopy(tmp, "overlap", b -> withHeader(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24));
        fails(tmp, TIES.replace("$FT", bad.toString()), "'a'", "'b'", "overlap");
    }

    @Test
    void unknownDtype(@TempDir Path tmp) throws IOException {
        Path bad = brokenCopy(tmp, "dtype", b -> withHeader("{\"a\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16));
        fails(tmp, TIES.replace("$FT", bad.toString()), "unknown dtype 'Q4'");
    }

    @Test
    void shapeMismatchBetweenModels(@TempDir Path tmp) throws IOException {
        Path other = tmp.resolve("wide");
        new SyntheticLlama(16, 32, 4, 4, 2, 40, false).write(other, DType.F32, 1, 0, 0f, 1 << 20);
        fails(tmp, TIES.replace("$FT", other.toString()), "mlp.gate_proj.weight", "different shapes");
    }

    @Test
    void tensorMissingInOneModel(@TempDir Path tmp) throws IOException {
        Path tied = tmp.resolve("tied");
        new SyntheticLlama(16, 24, 4, 4, 2, 40, true).write(tied, DType.F32, 1, 0, 0f, 1 << 20);
        fails(tmp, TIES.replace("$FT", tied.toString()), "lacks tensor 'lm_head.weight'");
    }

    @Test
    void unknownMergeMethod(@TempDir Path tmp) throws IOException {
        fails(tmp, TIES.replace("merge_method: ties", "merge_method: tie"), "merge_method", "'tie'", "did you mean 'ties'");
    }

    @Test
    void missingRequiredParameter(@TempDir Path tmp) throws IOException {
        fails(tmp, TIES.replace("weight: 1.0, ", ""), "missing required parameter 'weight'");
    }

    @Test
    void densityOutsideUnitInterval(@TempDir Path tmp) throws IOException {
        fails(tmp, TIES.replace("density: 0.5", "density: 1.5"), "models[0].parameters.density", "1.5", "outside");
    }

    @Test
    void layerRangeBeyondModel(@TempDir Path tmp) throws IOException {
        fails(tmp, """
                merge_method: passthrough
                slices:
                  - sources: [{model: $FT, layer_range: [2, 9]}]
                """, "slices[0].sources[0].layer_range", "4 layers");
    }

    /** mergekit ignores parameters a method does not declare; we do too, with one warning per name. */
    @Test
    void undeclaredParameterIsIgnoredWithOneWarningAndASuggestion(@TempDir Path tmp) throws IOException {
        Path recipe = tmp.resolve("recipe.yaml");
        Files.writeString(recipe, TIES.replace("density: 0.5", "density: 0.5, densty: 0.5")
                .replace("$BASE", base.toString()).replace("$FT", ft.toString()) + "parameters: {densty: 2}\n");
        MergeCommandEndToEndTest.Run r = MergeCommandEndToEndTest.merge(recipe, tmp.resolve("out"));
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("amalgam: warning: recipe.yaml: models[0].parameters.densty: merge_method ties has no parameter"
                + " 'densty' (did you mean 'density'?); ignored (it takes [int8_mask, normalize, rescale, lambda, weight, density])"),
                r.err().lines().filter(l -> l.contains("densty")).toList());
    }
}
