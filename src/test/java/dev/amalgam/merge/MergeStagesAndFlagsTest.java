package dev.amalgam.merge;

import ai.djl.engine.Engine;
import dev.amalgam.bench.SyntheticLlama;
import dev.amalgam.cli.AmalgamCommand;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Multi-document (mergekit-multi) recipes, mergekit-yaml's flags, and the tokenizer/vocabulary guard. */
class MergeStagesAndFlagsTest {
    static final SyntheticLlama SHAPE = new SyntheticLlama(16, 24, 2, 4, 2, 40, false);
    static final String TENSOR = "model.layers.1.mlp.down_proj.weight";

    @TempDir
    static Path models;

    @BeforeAll
    static void writeModels() throws IOException {
        SHAPE.write(models.resolve("a"), DType.F32, 1, 1, 1f, 1 << 20);
        SHAPE.write(models.resolve("b"), DType.F32, 1, 2, 1f, 1 << 20);
        SHAPE.write(models.resolve("c"), DType.F32, 1, 3, 1f, 1 << 20);
        Files.writeString(models.resolve("a/tokenizer.json"), tokenizer(39));
        Files.writeString(models.resolve("b/tokenizer.json"), tokenizer(39));
        Files.writeString(models.resolve("c/tokenizer.json"), tokenizer(43)); // 44 tokens for a 40-row model
    }

    /**
     * The union of equal vocabularies (fine-tunes of one base) is that vocabulary, the tokenizer copied as it is;
     * a differing one adds the other model's tokens that have a row (c's t39; not t40-t42 and <x>, beyond its 40 rows).
     */
    @Test
    void unionOfVocabularies(@TempDir Path tmp) throws IOException {
        String linear = "merge_method: linear\nmodels:\n  - {model: $M/a, parameters: {weight: 1}}\n"
                + "  - {model: $M/OTHER, parameters: {weight: 1}}\ntokenizer_source: union\n";
        MergeCommandEndToEndTest.Run same = MergeCommandEndToEndTest.merge(recipe(tmp, linear.replace("OTHER", "b")), tmp.resolve("same"));
        assertEquals(0, same.exit(), same.err());
        assertEquals(tokenizer(39), Files.readString(tmp.resolve("same/tokenizer.json")));

        MergeCommandEndToEndTest.Run differ = MergeCommandEndToEndTest.merge(recipe(tmp, linear.replace("OTHER", "c")), tmp.resolve("differ"));
        assertEquals(0, differ.exit(), differ.err());
        Path out = tmp.resolve("differ");
        assertEquals(40, TokenizerVocabulary.largestId(out), "t0..t38, <x> (39), then c's t39 (40)");
        assertEquals(40, TokenizerVocabulary.read(out, "").ids().get("t39"));
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"vocab_size\" : 41"));
        int h = SHAPE.hidden();
        for (String tensor : java.util.List.of("model.embed_tokens.weight", "lm_head.weight")) {
            float[] merged = MergeCommandEndToEndTest.read(out, tensor);
            float[] c = MergeCommandEndToEndTest.read(models.resolve("c"), tensor);
            assertEquals(41 * h, merged.length);
            for (int j = 0; j < h; j++) {
                assertEquals(c[39 * h + j], merged[40 * h + j], 1e-6, tensor + " t39: only c has it");
            }
        }
    }

    /** A BPE tokenizer.json whose ids run 0..largest (the last as an added token). */
    static String tokenizer(int largest) {
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < largest; i++) {
            vocab.append(i == 0 ? "" : ", ").append("\"t").append(i).append("\": ").append(i);
        }
        return "{\"model\": {\"type\": \"BPE\", \"vocab\": {" + vocab + "}}, \"added_tokens\": [{\"id\": " + largest
                + ", \"content\": \"<x>\"}]}";
    }

    static Path recipe(Path dir, String yaml) throws IOException {
        Path p = dir.resolve("recipe.yaml");
        Files.writeString(p, yaml.replace("$M", models.toString()));
        return p;
    }

    static final String TWO_STAGES = """
            name: mid
            merge_method: linear
            models:
              - {model: $M/a, parameters: {weight: 0.5}}
              - {model: $M/b, parameters: {weight: 0.5}}
            ---
            merge_method: linear
            models:
              - {model: mid, parameters: {weight: 0.75}}
              - {model: $M/c, parameters: {weight: 0.25}}
            """;

    @Test
    void laterStagesUseEarlierOnesByNameAndIntermediatesGoAway(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        MergeCommandEndToEndTest.Run r = MergeCommandEndToEndTest.merge(recipe(tmp, TWO_STAGES), out);
        assertEquals(0, r.exit(), r.err());
        float[] a = MergeCommandEndToEndTest.read(models.resolve("a"), TENSOR);
        float[] b = MergeCommandEndToEndTest.read(models.resolve("b"), TENSOR);
        float[] c = MergeCommandEndToEndTest.read(models.resolve("c"), TENSOR);
        float[] merged = MergeCommandEndToEndTest.read(out, TENSOR);
        for (int i = 0; i < a.length; i++) {
            double expected = 0.75 * (0.5 * a[i] + 0.5 * b[i]) + 0.25 * c[i];
            assertEquals(expected, merged[i], 1e-6, "element " + i);
        }
        try (var left = Files.list(tmp)) {
            assertEquals(0, left.filter(p -> p.getFileName().toString().startsWith(".")).count(), "the temporary stages are gone");
        }
    }

    @Test
    void keptIntermediatesAreReusedWhenUnchangedAndNeverOverwritten(@TempDir Path tmp) throws IOException {
        Path stages = tmp.resolve("stages");
        Path recipe = recipe(tmp, TWO_STAGES);
        MergeCommandEndToEndTest.Run first = MergeCommandEndToEndTest.merge(recipe, tmp.resolve("out1"), "--intermediate-dir", stages.toString());
        assertEquals(0, first.exit(), first.err());
        assertTrue(Files.isRegularFile(stages.resolve("mid/model.safetensors")));
        MergeCommandEndToEndTest.Run again = MergeCommandEndToEndTest.merge(recipe, tmp.resolve("out2"), "--intermediate-dir", stages.toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("stage mid: reusing " + stages.resolve("mid")), again.err());

        recipe(tmp, TWO_STAGES.replace("weight: 0.5}}\n  - {model: $M/b", "weight: 0.4}}\n  - {model: $M/b"));
        MergeCommandEndToEndTest.Run changed = MergeCommandEndToEndTest.merge(recipe, tmp.resolve("out3"), "--intermediate-dir", stages.toString());
        assertEquals(2, changed.exit(), changed.err());
        assertTrue(changed.err().contains(stages.resolve("mid") + " exists and does not hold this stage's merge"), changed.err());
        assertFalse(Files.exists(tmp.resolve("out3")));
    }

    @Test
    void stageErrorsNameTheFile(@TempDir Path tmp) throws IOException {
        String cycle = """
                name: x
                merge_method: linear
                models: [{model: y, parameters: {weight: 1}}]
                ---
                name: y
                merge_method: linear
                models: [{model: x, parameters: {weight: 1}}]
                ---
                merge_method: linear
                models: [{model: y, parameters: {weight: 1}}]
                """;
        MergeCommandEndToEndTest.Run r = MergeCommandEndToEndTest.merge(recipe(tmp, cycle), tmp.resolve("out"));
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("recipe.yaml: stages use each other in a cycle: x -> y -> x"), r.err());
        String twoFinal = "merge_method: linear\nmodels: [{model: $M/a, parameters: {weight: 1}}]\n---\n"
                + "merge_method: linear\nmodels: [{model: $M/b, parameters: {weight: 1}}]\n";
        r = MergeCommandEndToEndTest.merge(recipe(tmp, twoFinal), tmp.resolve("out"));
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("recipe.yaml: 2 stages have no name; name all but the final one"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void mergekitYamlFlagsAreAccepted(@TempDir Path tmp) throws IOException {
        Path recipe = recipe(tmp, "merge_method: linear\nmodels:\n  - {model: $M/a, parameters: {weight: 1}}\n"
                + "  - {model: $M/b, parameters: {weight: 1}}\n");
        MergeCommandEndToEndTest.Run r = MergeCommandEndToEndTest.merge(recipe, tmp.resolve("out"), "--lazy-unpickle",
                "--allow-crimes", "--trust-remote-code", "--copy-tokenizer", "--out-shard-size", "1M");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("--trust-remote-code has no effect"), r.err());
        assertTrue(Files.isRegularFile(tmp.resolve("out/tokenizer.json")), "the base's tokenizer is copied by default");

        MergeCommandEndToEndTest.Run bare = MergeCommandEndToEndTest.merge(recipe, tmp.resolve("bare"), "--no-copy-tokenizer");
        assertEquals(0, bare.exit(), bare.err());
        assertFalse(Files.exists(tmp.resolve("bare/tokenizer.json")), "--no-copy-tokenizer");
        assertTrue(Files.isRegularFile(tmp.resolve("bare/config.json")));

        if (Engine.getInstance().getGpuCount() == 0) {
            CommandLine cli = AmalgamCommand.newCommandLine();
            StringWriter err = new StringWriter();
            cli.setErr(new PrintWriter(err));
            assertEquals(2, cli.execute("merge", recipe.toString(), tmp.resolve("gpu").toString(), "--no-progress", "--cuda"));
            assertTrue(err.toString().contains("--device gpu: DJL sees no GPU"), "--cuda is --device gpu: " + err);
        }
    }

    @Test
    void chatTemplatesAreWrittenIntoTokenizerConfig(@TempDir Path tmp) throws IOException {
        String linear = "merge_method: linear\nmodels:\n  - {model: $M/a, parameters: {weight: 1}}\n"
                + "  - {model: $M/b, parameters: {weight: 1}}\n";
        Path b = models.resolve("b");
        Files.writeString(b.resolve("tokenizer_config.json"), "{\"chat_template\": \"{% for m in messages %}{{ m['content'] }}{% endfor %}\"}");
        Files.writeString(models.resolve("a/tokenizer_config.json"), "{\"tokenizer_class\": \"LlamaTokenizerFast\"}");
        try {
            MergeCommandEndToEndTest.Run auto = MergeCommandEndToEndTest.merge(recipe(tmp, linear + "chat_template: auto\n"), tmp.resolve("auto"));
            assertEquals(0, auto.exit(), auto.err());
            String written = Files.readString(tmp.resolve("auto/tokenizer_config.json"));
            assertTrue(written.contains("\"chat_template\" : \"{% for m in messages %}{{ m['content'] }}{% endfor %}\""), written);
            assertTrue(written.contains("\"tokenizer_class\" : \"LlamaTokenizerFast\""), "the base's other fields are kept: " + written);

            MergeCommandEndToEndTest.Run bad = MergeCommandEndToEndTest.merge(recipe(tmp, linear + "chat_template: vicuna\n"), tmp.resolve("bad"));
            assertEquals(2, bad.exit(), bad.err());
            assertTrue(bad.err().contains("recipe.yaml: chat_template: 'vicuna' is neither auto, a template name (chatml, llama3,"
                    + " mistral, alpaca) nor a Jinja template"), bad.err());
        } finally {
            Files.delete(b.resolve("tokenizer_config.json"));
            Files.delete(models.resolve("a/tokenizer_config.json"));
        }
    }

    /**
     * tokenizer_source naming a model whose tokenizer has more ids than the merged rows: the embeddings are
     * rebuilt for its vocabulary (before, that shipped out-of-range ids: a silently broken model).
     */
    @Test
    void aTokenizerSourceWithALargerVocabularyGetsEmbeddingsRebuiltForIt(@TempDir Path tmp) throws IOException {
        Path recipe = recipe(tmp, "merge_method: linear\nmodels:\n  - {model: $M/a, parameters: {weight: 1}}\n"
                + "  - {model: $M/c, parameters: {weight: 1}}\ntokenizer_source: $M/c\n");
        MergeCommandEndToEndTest.Run r = MergeCommandEndToEndTest.merge(recipe, tmp.resolve("out"));
        assertEquals(0, r.exit(), r.err());
        Path out = tmp.resolve("out");
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"vocab_size\" : 44"));
        int h = SHAPE.hidden();
        for (String tensor : java.util.List.of("model.embed_tokens.weight", "lm_head.weight")) {
            float[] merged = MergeCommandEndToEndTest.read(out, tensor);
            float[] a = MergeCommandEndToEndTest.read(models.resolve("a"), tensor);
            float[] c = MergeCommandEndToEndTest.read(models.resolve("c"), tensor);
            assertEquals(44 * h, merged.length, tensor + ": one row per id of c's tokenizer");
            for (int j = 0; j < h; j++) {
                // t5: id 5 in both tokenizers: the linear merge (normalized weights) of the two rows
                assertEquals(0.5 * (a[5 * h + j] + c[5 * h + j]), merged[5 * h + j], 1e-6, tensor + " t5");
                // <x>: id 43 in c's tokenizer, beyond c's 40 rows; only a has it (id 39): a's row, in every input
                assertEquals(a[39 * h + j], merged[43 * h + j], 1e-6, tensor + " <x> takes the donor's row");
                // t40: no model has a row for it: zero
                assertEquals(0.0, merged[40 * h + j], 1e-12, tensor + " t40");
            }
        }
    }
}
