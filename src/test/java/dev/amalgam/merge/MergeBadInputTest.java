package dev.amalgam.merge;

import dev.amalgam.BadInputCase;
import dev.amalgam.ModelFiles;
import dev.amalgam.bench.SyntheticLlama;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code amalgam merge} on bad input, one case per row: exit code 2, one line naming the culprit and the cause, no
 * stack trace, no output folder (final or partial), and no file of the user's changed.
 */
class MergeBadInputTest {
    static final Path base = SmallInputs.BASE;
    static final Path ft = SmallInputs.FT;

    static final String TIES = """
            merge_method: ties
            base_model: $BASE
            models:
              - model: $FT
                parameters: {weight: 1.0, density: 0.5}
            """;

    static final String LINEAR = """
            merge_method: linear
            models:
              - model: $FT
                parameters: {weight: 1.0}
            """;

    /** recipe.yaml in {@code dir} ($BASE, $FT and $DIR replaced) merged into {@code dir/out}. */
    static BadInputCase.Setup recipe(String yaml, String... options) {
        return dir -> {
            Path recipe = dir.resolve("recipe.yaml");
            Files.writeString(recipe, yaml.replace("$BASE", base.toString()).replace("$FT", ft.toString()).replace("$DIR", dir.toString()));
            List<String> args = new ArrayList<>(List.of(recipe.toString(), dir.resolve("out").toString()));
            args.addAll(List.of(options));
            return args;
        };
    }

    /** A TIES merge of the base with a copy of the fine-tune changed by {@code edit} (its folder, then the recipe). */
    static BadInputCase.Setup brokenFineTune(Edit edit) {
        return dir -> {
            Path copy = ModelFiles.copy(ft, dir.resolve("broken"));
            edit.apply(copy);
            return recipe(TIES.replace("$FT", copy.toString())).args(dir);
        };
    }

    @FunctionalInterface
    interface Edit {
        void apply(Path model) throws IOException;
    }

    static Edit weights(UnaryOperator<byte[]> edit) {
        return m -> Files.write(m.resolve("model.safetensors"), edit.apply(Files.readAllBytes(m.resolve("model.safetensors"))));
    }

    /** Replaces {@code from} by {@code to} (same length) in the safetensors header. */
    static Edit header(String from, String to) {
        return weights(b -> {
            String text = new String(b, StandardCharsets.ISO_8859_1);
            int at = text.indexOf(from);
            assertEquals(from.length(), to.length());
            byte[] out = b.clone();
            System.arraycopy(to.getBytes(StandardCharsets.ISO_8859_1), 0, out, at, to.length());
            return out;
        });
    }

    static byte[] withHeader(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
    }

    /** A linear merge of one model whose tensors hold {@code layers} layers but whose config.json says {@code configLayers}. */
    static BadInputCase.Setup layerCountMismatch(int layers, int configLayers) {
        return dir -> {
            Path m = dir.resolve("m");
            new SyntheticLlama(16, 24, layers, 4, 2, 40, false).write(m, DType.F32, 1, 0, 0f, 1 << 20);
            Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json"))
                    .replace("\"num_hidden_layers\" : " + layers, "\"num_hidden_layers\" : " + configLayers));
            return recipe(LINEAR.replace("$FT", m.toString())).args(dir);
        };
    }

    static Stream<BadInputCase> cases() {
        return Stream.of(
                new BadInputCase("recipe not found", dir -> List.of(dir.resolve("none.yaml").toString(), dir.resolve("out").toString()),
                        "none.yaml", "not found"),
                new BadInputCase("recipe is a folder", dir -> List.of(Files.createDirectories(dir.resolve("r.yaml")).toString(), dir.resolve("out").toString()),
                        "r.yaml: cannot read (", "r.yaml is a folder, not a file)"),
                new BadInputCase("recipe YAML syntax error keeps the first line and the position",
                        recipe("merge_method: ties\nmodels:\n  - model: [unclosed\n    parameters: {weight: 1}\n"),
                        "recipe.yaml", "invalid YAML", "line 4"),
                new BadInputCase("empty recipe", recipe(""), "recipe.yaml", "empty file"),
                new BadInputCase("unknown top-level key", recipe(TIES + "merge_methd: x\n"), "merge_methd", "did you mean 'merge_method'"),
                new BadInputCase("unknown merge method", recipe(TIES.replace("merge_method: ties", "merge_method: tie")), "'tie'", "did you mean 'ties'"),
                new BadInputCase("missing model folder", recipe(TIES.replace("$FT", "/nowhere/model")), "recipe.yaml", "models[0].model", "/nowhere/model"),
                new BadInputCase("hub id instead of a folder", recipe(TIES.replace("$FT", "meta-llama/Llama-2-7b")), "models[0].model", "'meta-llama/Llama-2-7b' is not downloaded", "Amalgam never downloads"),
                new BadInputCase("density outside [0, 1]", recipe(TIES.replace("density: 0.5", "density: 1.5")), "models[0].parameters.density", "1.5", "outside"),
                new BadInputCase("missing required weight", recipe(TIES.replace("weight: 1.0, ", "")), "missing required parameter 'weight'"),
                new BadInputCase("layer_range beyond the model", recipe("""
                        merge_method: passthrough
                        slices:
                          - sources: [{model: $FT, layer_range: [2, 9]}]
                        """), "slices[0].sources[0].layer_range", "4 layers"),
                new BadInputCase("tokenizer_source union of models without tokenizers", recipe(TIES + "tokenizer_source: union\n"),
                        "recipe.yaml: tokenizer_source: union: ", "has no tokenizer.json (its embedding rows cannot be matched to tokens without it)"),
                new BadInputCase("linear weights summing to 0 under normalize",
                        recipe(LINEAR + "  - model: $BASE\n    parameters: {weight: -1.0}\n"), "recipe.yaml", "model.embed_tokens.weight", "sum to 0", "normalize"),
                new BadInputCase("finite weights overflowing to infinity", recipe(LINEAR.replace("1.0", "3.0e38") + "  - model: $BASE\n    parameters: {weight: 3.0e38}\n"
                        + "parameters: {normalize: false}\n"), "model.layers.0.input_layernorm.weight", "non-finite", "inputs have none"),
                new BadInputCase("shard size 0", recipe(TIES, "--out-shard-size", "0"), "--out-shard-size", "0"),
                new BadInputCase("config.json missing", brokenFineTune(m -> Files.delete(m.resolve("config.json"))), "config.json", "not found"),
                new BadInputCase("config.json syntax error keeps the first line and the position",
                        brokenFineTune(m -> Files.writeString(m.resolve("config.json"), "{\n  \"num_hidden_layers\": 4,\n  \"x\": }\n")),
                        "config.json", "invalid JSON", "line 3"),
                new BadInputCase("config.json says 4 layers, the tensors hold 5", layerCountMismatch(5, 4), "config.json", "num_hidden_layers", "4", "5 layers"),
                new BadInputCase("config.json says 6 layers, the tensors hold 5", layerCountMismatch(5, 6), "config.json", "num_hidden_layers", "6", "5 layers"),
                new BadInputCase("truncated shard", brokenFineTune(weights(b -> Arrays.copyOf(b, b.length - 1000))), "model.safetensors", "truncated"),
                new BadInputCase("header length beyond the file", brokenFineTune(weights(b -> {
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
                    return b;
                })), "model.safetensors", "header length"),
                new BadInputCase("header not JSON", brokenFineTune(weights(b -> withHeader("{\"a\": {\"dtype\": \"F32\",\n \"shape\": [4] ]}", 16))),
                        "model.safetensors", "header is not valid JSON", "line 2"),
                new BadInputCase("overlapping data offsets", brokenFineTune(weights(b -> withHeader(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24))),
                        "'a'", "'b'", "overlap"),
                new BadInputCase("unknown dtype", brokenFineTune(weights(b -> withHeader("{\"a\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16))),
                        "unknown dtype 'Q4'"),
                new BadInputCase("a tensor named twice in the header", brokenFineTune(weights(b -> withHeader(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}", 32))),
                        "model.safetensors", "tensor 'a' appears twice"),
                new BadInputCase("F32 data labelled I32", brokenFineTune(header("\"model.layers.1.input_layernorm.weight\":{\"dtype\":\"F32\"",
                        "\"model.layers.1.input_layernorm.weight\":{\"dtype\":\"I32\"")), "model.layers.1.input_layernorm.weight", "I32", "F32"),
                new BadInputCase("index lists a missing shard", dir -> {
                    Path m = dir.resolve("sharded");
                    MergeCommandEndToEndTest.SHAPE.write(m, DType.F32, 1, 3, 1f, 3000);
                    Files.delete(m.resolve("model-00002-of-" + shardCount(m) + ".safetensors"));
                    return recipe(TIES.replace("$FT", m.toString())).args(dir);
                }, "model.safetensors.index.json", "model-00002-of-", "missing"),
                new BadInputCase("index not JSON", dir -> {
                    Path m = dir.resolve("sharded");
                    MergeCommandEndToEndTest.SHAPE.write(m, DType.F32, 1, 3, 1f, 3000);
                    Files.writeString(m.resolve("model.safetensors.index.json"), "{\"weight_map\": {\n\"a\": }");
                    return recipe(TIES.replace("$FT", m.toString())).args(dir);
                }, "model.safetensors.index.json", "not valid JSON", "line 2"),
                new BadInputCase("shapes differ between models", dir -> {
                    Path wide = dir.resolve("wide");
                    new SyntheticLlama(16, 32, 4, 4, 2, 40, false).write(wide, DType.F32, 1, 0, 0f, 1 << 20);
                    return recipe(TIES.replace("$FT", wide.toString())).args(dir);
                }, "mlp.gate_proj.weight", "different shapes"),
                new BadInputCase("a tensor missing in one model", dir -> {
                    Path tied = dir.resolve("tied");
                    new SyntheticLlama(16, 24, 4, 4, 2, 40, true).write(tied, DType.F32, 1, 0, 0f, 1 << 20);
                    return recipe(TIES.replace("$FT", tied.toString())).args(dir);
                }, "lacks tensor 'lm_head.weight'"),
                new BadInputCase("OUT_DIR not empty", dir -> {
                    Files.writeString(Files.createDirectories(dir.resolve("out")).resolve("notes.txt"), "mine");
                    return recipe(TIES).args(dir);
                }, "out", "not empty", "--overwrite"),
                new BadInputCase("OUT_DIR is a file", dir -> {
                    Files.writeString(dir.resolve("out"), "mine");
                    return recipe(TIES, "--overwrite").args(dir);
                }, "out", "is a file"),
                new BadInputCase("OUT_DIR is an input model", dir -> {
                    List<String> args = new ArrayList<>(recipe(TIES, "--overwrite").args(dir));
                    args.set(1, ft.toString());
                    return args;
                }, ft.toString(), "input model"),
                new BadInputCase("OUT_DIR is not a model folder", dir -> {
                    Path out = Files.createDirectories(dir.resolve("out"));
                    Files.writeString(out.resolve("config.json"), "{}");
                    Files.writeString(out.resolve("data.csv"), "1,2");
                    return recipe(TIES, "--overwrite").args(dir);
                }, "out", "not look like a model folder"),
                new BadInputCase("OUT_DIR's parent is a file", dir -> {
                    Files.writeString(dir.resolve("file.txt"), "mine");
                    List<String> args = new ArrayList<>(recipe(TIES).args(dir));
                    args.set(1, dir.resolve("file.txt").resolve("out").toString());
                    return args;
                }, "file.txt is a file, not a folder"));
    }

    static String shardCount(Path model) throws IOException {
        try (Stream<Path> files = Files.list(model)) {
            return String.format("%05d", files.filter(p -> p.toString().endsWith(".safetensors")).count());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithOneLineAndNothingChanged(BadInputCase c, @TempDir Path dir) throws IOException {
        c.assertRefused("merge", dir, List.of("--no-progress", "--device", "cpu"), SmallInputs.DIR);
    }

    /** Not bad input: mergekit ignores parameters a method does not declare; we do too, with one warning per name. */
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
