package dev.amalgam.merge;

import dev.amalgam.Fixtures;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.bench.SyntheticLlama;
import dev.amalgam.cli.AmalgamCommand;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code amalgam merge} end to end on small Llama folders written in the test: every output tensor
 * is checked against the scalar reference with the parameters the recipe implies, worked out by hand.
 */
class MergeCommandEndToEndTest {
    /** 4 layers, GQA, untied head: small enough to check every tensor in double precision. */
    static final SyntheticLlama SHAPE = new SyntheticLlama(16, 24, 4, 4, 2, 40, false);

    @TempDir
    static Path models;
    static Path base;
    static Path ftA;
    static Path ftB;

    /** The stories260K fixture, absolute (recipes name it from temporary folders). */
    private static Path stories() {
        return Fixtures.stories260K().toAbsolutePath().normalize();
    }

    @BeforeAll
    static void writeModels() {
        base = models.resolve("base");
        ftA = models.resolve("ft-a");
        ftB = models.resolve("ft-b");
        SHAPE.write(base, DType.F32, 1, 0, 0f, 1 << 20);
        SHAPE.write(ftA, DType.F32, 1, 11, 1f, 3000); // many small shards
        SHAPE.write(ftB, DType.BF16, 1, 12, 1f, 1 << 20);
    }

    record Run(int exit, String err) {
    }

    static Run merge(Path recipe, Path out, String... extra) {
        CommandLine cli = AmalgamCommand.newCommandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        List<String> args = new ArrayList<>(List.of("merge", recipe.toString(), out.toString(), "--no-progress", "--device", "cpu"));
        args.addAll(List.of(extra));
        return new Run(cli.execute(args.toArray(String[]::new)), err.toString());
    }

    static Path recipe(Path dir, String yaml) throws IOException {
        Path p = dir.resolve("recipe.yaml");
        Files.writeString(p, yaml.replace("$BASE", base.toString()).replace("$A", ftA.toString())
                .replace("$B", ftB.toString()).replace("$STORIES", yaml.contains("$STORIES") ? stories().toString() : ""));
        return p;
    }

    static float[] read(Path model, String tensor) {
        try (SafetensorsModel m = SafetensorsModel.open(model)) {
            return m.slice(tensor).toFloatArray();
        }
    }

    static int layerOf(String name) {
        return name.startsWith("model.layers.") ? Integer.parseInt(name.split("\\.")[2]) : -1;
    }

    /** t of a tensor in a single full-depth slice: embeddings 0, layer l at l/(L-1), final norm / lm_head 1. */
    static double t(String name) {
        int l = layerOf(name);
        return l >= 0 ? l / (SHAPE.layers() - 1.0) : name.startsWith("model.embed") ? 0 : 1;
    }

    @Test
    void tiesWithGradientAndFilterMatchesTheScalarReference(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        Run r = merge(recipe(tmp, """
                merge_method: ties
                base_model: $BASE
                models:
                  - model: $A
                    parameters: {weight: [0.2, 1.0], density: [{filter: mlp, value: 0.7}, {value: 0.3}]}
                  - model: $B
                    parameters: {weight: 0.5, density: 0.5}
                dtype: float32
                """), out);
        assertEquals(0, r.exit(), r.err());
        for (TensorSpec t : SHAPE.tensors(DType.F32)) {
            String n = t.name();
            double wA = 0.2 + 0.8 * t(n);
            double dA = n.contains("mlp") ? 0.7 : 0.3;
            var models = List.of(new ScalarReference.Model(0, read(ftA, n), Map.of("weight", wA, "density", dA)),
                    new ScalarReference.Model(1, read(ftB, n), Map.of("weight", 0.5, "density", 0.5)));
            double[] want = ScalarReference.taskArithmetic(ScalarReference.Sparsify.MAGNITUDE, true, read(base, n), models,
                    toInt(t.shape()), true, false, 1.0, 0, n);
            MergeHarness.assertClose(want, read(out, n), n);
        }
        assertTrue(Files.readString(out.resolve(MergeJob.RECIPE_FILE)).contains("ties"));
    }

    @Test
    void dareTiesIsSeededAndMatchesTheReference(@TempDir Path tmp) throws IOException {
        Path recipe = recipe(tmp, """
                merge_method: dare_ties
                base_model: $BASE
                models:
                  - model: $A
                    parameters: {weight: 0.6, density: 0.4}
                  - model: $B
                    parameters: {weight: 0.4, density: 0.6}
                random_seed: 5
                dtype: float32
                """);
        assertEquals(0, merge(recipe, tmp.resolve("o1")).exit());
        assertEquals(0, merge(recipe, tmp.resolve("o2")).exit());
        assertEquals(0, merge(recipe, tmp.resolve("o3"), "--seed", "6").exit());
        String n = "model.layers.2.mlp.up_proj.weight";
        assertArrayEquals(read(tmp.resolve("o1"), n), read(tmp.resolve("o2"), n), "same seed, same merge");
        assertFalse(java.util.Arrays.equals(read(tmp.resolve("o1"), n), read(tmp.resolve("o3"), n)), "--seed overrides");
        for (TensorSpec t : SHAPE.tensors(DType.F32)) {
            var models = List.of(new ScalarReference.Model(0, read(ftA, t.name()), Map.of("weight", 0.6, "density", 0.4)),
                    new ScalarReference.Model(1, read(ftB, t.name()), Map.of("weight", 0.4, "density", 0.6)));
            double[] want = ScalarReference.taskArithmetic(ScalarReference.Sparsify.RANDOM, true, read(base, t.name()), models,
                    toInt(t.shape()), false, true, 1.0, 5, t.name());
            MergeHarness.assertClose(want, read(tmp.resolve("o1"), t.name()), t.name());
        }
    }

    @Test
    void slerpOverSlicesWithPerSliceT(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        Run r = merge(recipe(tmp, """
                merge_method: slerp
                base_model: $A
                slices:
                  - sources: [{model: $A, layer_range: [0, 2]}, {model: $B, layer_range: [0, 2]}]
                    parameters: {t: [0.0, 0.5]}
                  - sources: [{model: $A, layer_range: [2, 4]}, {model: $B, layer_range: [2, 4]}]
                    parameters: {t: [{filter: mlp, value: 0.7}, {value: 0.3}]}
                out_dtype: bfloat16
                """), out);
        assertEquals(0, r.exit(), r.err());
        try (SafetensorsModel m = SafetensorsModel.open(out)) {
            assertEquals(DType.BF16, m.info("model.norm.weight").dtype());
        }
        for (TensorSpec t : SHAPE.tensors(DType.F32)) {
            String n = t.name();
            int l = layerOf(n);
            double tt;
            if (l < 0) {
                // embeddings: slice 0 at t = 0; final norm / lm_head: last slice at t = 1 (filter decides)
                tt = n.startsWith("model.embed") ? 0.0 : 0.3;
            } else if (l < 2) {
                tt = 0.5 * l; // slice of 2 layers: t = 0, 1 -> gradient [0, 0.5]
            } else {
                tt = n.contains("mlp") ? 0.7 : 0.3;
            }
            double[] want = ScalarReference.slerp(read(ftA, n), read(ftB, n), tt);
            float[] got = read(out, n);
            for (int i = 0; i < want.length; i++) {
                float bf = dev.amalgam.safetensors.FloatCodec.bf16ToFloat(dev.amalgam.safetensors.FloatCodec.floatToBf16((float) want[i]));
                assertEquals(bf, got[i], Math.abs(bf) * 1e-2 + 1e-6, n + "[" + i + "]");
            }
        }
    }

    @Test
    void passthroughStacksLayersFromSlices(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        Run r = merge(recipe(tmp, """
                merge_method: passthrough
                slices:
                  - sources: [{model: $A, layer_range: [0, 3]}]
                  - sources:
                      - model: $B
                        layer_range: [1, 4]
                        parameters: {scale: [{filter: o_proj, value: 0.5}, {value: 1.0}]}
                dtype: float32
                """), out);
        assertEquals(0, r.exit(), r.err());
        assertEquals(6, ModelConfig.read(out).numHiddenLayers());
        assertArrayEquals(read(ftA, "model.layers.2.mlp.up_proj.weight"), read(out, "model.layers.2.mlp.up_proj.weight"));
        assertArrayEquals(read(ftB, "model.layers.1.mlp.up_proj.weight"), read(out, "model.layers.3.mlp.up_proj.weight"));
        float[] half = read(ftB, "model.layers.3.self_attn.o_proj.weight");
        float[] got = read(out, "model.layers.5.self_attn.o_proj.weight");
        for (int i = 0; i < half.length; i++) {
            assertEquals(half[i] * 0.5f, got[i], 1e-7f);
        }
        assertArrayEquals(read(ftA, "model.embed_tokens.weight"), read(out, "model.embed_tokens.weight"), "pre-weights from slice 0");
        assertArrayEquals(read(ftB, "lm_head.weight"), read(out, "lm_head.weight"), "post-weights from the last slice");
        try (SafetensorsModel m = SafetensorsModel.open(out)) {
            assertEquals(2 + 6 * 9 + 1, m.tensorNames().size());
        }
    }

    /** Every method merging the real stories260K model with itself gives it back. */
    @Test
    void everyMethodMergingTheRealModelWithItselfGivesItBack(@TempDir Path tmp) throws IOException {
        for (MergeMethod method : MergeMethods.all()) {
            String name = method.name();
            // The recipe is derived from the method's declarations: as many copies as it accepts (2 if it
            // can), a value for every required parameter.
            int copies = Math.min(Math.max(2, method.minModels()), method.maxModels());
            StringBuilder yaml = new StringBuilder("merge_method: " + name + "\n");
            if (method.baseRequirement() != MergeMethod.BaseRequirement.NONE) {
                yaml.append("base_model: $STORIES\n");
            }
            yaml.append("models:\n");
            for (int i = 0; i < copies; i++) {
                yaml.append("  - model: $STORIES").append("/.".repeat(i + 1)).append("\n");
                for (ParameterSpec p : method.parameters()) {
                    if (p.required() && p.scope() == ParameterSpec.Scope.PER_MODEL) {
                        yaml.append("    parameters: {").append(p.name()).append(": ").append(0.3 + 0.4 * i).append("}\n");
                    }
                }
            }
            for (ParameterSpec p : method.parameters()) {
                if (p.required() && p.scope() == ParameterSpec.Scope.GLOBAL) {
                    yaml.append("parameters: {").append(p.name()).append(": 0.3}\n");
                }
            }
            Path out = tmp.resolve(name);
            Run r = merge(recipe(tmp, yaml + "dtype: float32\n"), out);
            assertEquals(0, r.exit(), name + ": " + r.err());
            // Tokenizer files come over from the read-only fixture as ordinary, writable files.
            assertTrue(Files.getPosixFilePermissions(out.resolve("tokenizer.json"))
                    .contains(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), name);
            try (SafetensorsModel want = SafetensorsModel.open(stories()); SafetensorsModel got = SafetensorsModel.open(out)) {
                assertEquals(want.tensorNames(), got.tensorNames(), name);
                for (String n : want.tensorNames()) {
                    MergeHarness.assertClose(ScalarReference.toDouble(want.slice(n).toFloatArray()), got.slice(n).toFloatArray(), name + " " + n);
                }
            }
        }
    }

    /**
     * Every method through the CLI (planner, kernel, writer) on base + two fine-tunes gives, tensor by
     * tensor, what the method computes when called directly on the same inputs (the methods themselves
     * are checked against the scalar reference in their unit tests).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("methodNames")
    void everyMethodThroughTheCliEqualsADirectCall(String name, @TempDir Path tmp) throws IOException {
        MergeMethod method = MergeMethods.byName(name, "test");
        int copies = Math.min(Math.max(2, method.minModels()), method.maxModels());
        boolean withBase = method.baseRequirement() != MergeMethod.BaseRequirement.NONE;
        List<Path> inputs = List.of(ftA, ftB).subList(0, copies);
        List<Map<String, Object>> perModel = new ArrayList<>();
        StringBuilder yaml = new StringBuilder("merge_method: " + name + "\nrandom_seed: 3\ndtype: float32\n");
        if (withBase) {
            yaml.append("base_model: $BASE\n");
        }
        yaml.append("models:\n");
        for (int i = 0; i < copies; i++) {
            Map<String, Object> params = new java.util.LinkedHashMap<>();
            for (ParameterSpec p : method.parameters()) {
                if (p.scope() == ParameterSpec.Scope.PER_MODEL && p.name().equals("weight")) {
                    params.put("weight", i == 0 ? 0.6 : 0.4);
                } else if (p.scope() == ParameterSpec.Scope.PER_MODEL && p.name().equals("density")) {
                    params.put("density", 0.5);
                }
            }
            perModel.add(params);
            yaml.append("  - model: ").append(inputs.get(i)).append('\n');
            if (!params.isEmpty()) {
                yaml.append("    parameters: ").append(params.toString().replace("=", ": ")).append('\n');
            }
        }
        Map<String, Object> global = new java.util.LinkedHashMap<>();
        for (ParameterSpec p : method.parameters()) {
            if (p.scope() == ParameterSpec.Scope.GLOBAL && p.required()) {
                global.put(p.name(), 0.3);
            }
        }
        if (!global.isEmpty()) {
            yaml.append("parameters: ").append(global.toString().replace("=", ": ")).append('\n');
        }
        Path out = tmp.resolve("out");
        Run r = merge(recipe(tmp, yaml.toString()), out);
        assertEquals(0, r.exit(), name + ": " + r.err());
        try (MergeHarness h = new MergeHarness(0)) {
            for (TensorSpec t : SHAPE.tensors(DType.F32)) {
                // The planner numbers models in order of appearance: the listed models, then the appended base.
                List<ModelTensor> models = new ArrayList<>();
                for (int i = 0; i < copies; i++) {
                    models.add(h.model(method, i, read(inputs.get(i), t.name()), t.shape(), perModel.get(i)));
                }
                ModelTensor b = withBase ? h.base(method, copies, read(base, t.name()), t.shape()) : null;
                float[] want = MergeHarness.merge(method, t.name(), b, models, global, 3);
                MergeHarness.assertClose(ScalarReference.toDouble(want), read(out, t.name()), name + " " + t.name());
            }
        }
    }

    static List<String> methodNames() {
        return MergeMethods.all().stream().map(MergeMethod::name).toList();
    }

    @Test
    void linearWeightsOneAndZeroGiveBackOneInput(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        Run r = merge(recipe(tmp, """
                merge_method: linear
                models:
                  - {model: $A, parameters: {weight: 1.0}}
                  - {model: $B, parameters: {weight: 0.0}}
                dtype: float32
                """), out);
        assertEquals(0, r.exit(), r.err());
        for (TensorSpec t : SHAPE.tensors(DType.F32)) {
            assertArrayEquals(read(ftA, t.name()), read(out, t.name()), t.name());
        }
    }

    static int[] toInt(long[] shape) {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.toIntExact(shape[i]);
        }
        return s;
    }
}
