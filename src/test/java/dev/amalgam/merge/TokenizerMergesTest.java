package dev.amalgam.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.bench.SyntheticLlama;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * mergekit's {@code tests/test_tokenizer.py}, case by case, on its three models made here (real safetensors,
 * real tokenizer.json): {@code model_base} (64 tokens, 64 rows), {@code model_chatml} (64 + {@code <|im_start|>}
 * {@code <|im_end|>}, 66 rows) and {@code model_padded} (64 + four {@code <UNUSED_i>} with no row). Each output is
 * checked as mergekit's test checks it, and more: every id of the written tokenizer indexes a row of
 * embed_tokens and lm_head, vocab_size is their row count, and the rows of tokens are the expected source rows.
 * The expected rows are worked out here by hand from embed.py's rules for each case.
 */
class TokenizerMergesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SyntheticLlama PICO = new SyntheticLlama(32, 48, 2, 16, 16, 64, false); // make_picollama
    private static final int HIDDEN = 32;
    private static final List<String> MATRICES = List.of("model.embed_tokens.weight", "lm_head.weight");

    @TempDir
    static Path root;

    @BeforeAll
    static void makeModels() {
        MergekitModels.llama(root.resolve("model_base"), PICO, "LlamaForCausalLM", 1);
        MergekitModels.tokenizer(root.resolve("model_base"), 64, List.of());
        MergekitModels.llama(root.resolve("model_chatml"), new SyntheticLlama(32, 48, 2, 16, 16, 66, false), "LlamaForCausalLM", 2);
        MergekitModels.tokenizer(root.resolve("model_chatml"), 64, List.of("<|im_start|>", "<|im_end|>"));
        MergekitModels.llama(root.resolve("model_padded"), PICO, "LlamaForCausalLM", 3);
        MergekitModels.tokenizer(root.resolve("model_padded"), 64, List.of("<UNUSED_0>", "<UNUSED_1>", "<UNUSED_2>", "<UNUSED_3>"));
        // same size as model_base, other tokens: _tok_5 and _tok_6 swapped, _tok_7 replaced by _new
        MergekitModels.llama(root.resolve("model_shuffled"), PICO, "LlamaForCausalLM", 4);
        MergekitModels.tokenizer(root.resolve("model_shuffled"), 64, List.of(), Map.of(5, "_tok_6", 6, "_tok_5", 7, "_new"));
        MergekitModels.llama(root.resolve("model_shuffled_too"), PICO, "LlamaForCausalLM", 5);
        MergekitModels.tokenizer(root.resolve("model_shuffled_too"), 64, List.of(), Map.of(5, "_tok_6", 6, "_tok_5", 7, "_new"));
    }

    /** A merged output: its tokenizer (token -> id), added tokens, vocab_size and matrices. */
    private record Output(Map<String, Integer> vocab, List<String> added, int vocabSize, Map<String, float[]> matrices) {
        float[] row(String matrix, String token) {
            return rowAt(matrices.get(matrix), vocab.get(token));
        }
    }

    private static float[] rowAt(float[] matrix, int row) {
        float[] r = new float[HIDDEN];
        System.arraycopy(matrix, row * HIDDEN, r, 0, HIDDEN);
        return r;
    }

    private static float[] row(String model, String matrix, int id) {
        return rowAt(MergeCommandEndToEndTest.read(root.resolve(model), matrix), id);
    }

    /** Merges {@code yaml} (model names are folders beside the recipe) and checks what every case shares. */
    private static Output merge(String name, String yaml, int expectedSize, Integer expectedAdded) throws IOException {
        Path recipe = root.resolve(name + ".yaml");
        Files.writeString(recipe, yaml);
        Path out = root.resolve(name);
        MergeCommandEndToEndTest.Run run = MergeCommandEndToEndTest.merge(recipe, out);
        assertEquals(0, run.exit(), run.err());
        JsonNode tok = JSON.readTree(out.resolve("tokenizer.json").toFile());
        Map<String, Integer> vocab = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = tok.path("model").path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().intValue());
        }
        List<String> added = new ArrayList<>();
        for (JsonNode a : tok.path("added_tokens")) {
            added.add(a.path("content").asText());
            vocab.put(a.path("content").asText(), a.path("id").intValue());
        }
        assertEquals(expectedSize, vocab.size(), "tokens: " + vocab.keySet());
        if (expectedAdded != null) {
            assertEquals(expectedAdded, added.size(), "added tokens: " + added);
        }
        JsonNode decoder = JSON.readTree(out.resolve("tokenizer_config.json").toFile()).path("added_tokens_decoder");
        assertEquals(added.size(), decoder.size(), "tokenizer_config.json lists the added tokens: " + decoder);
        for (JsonNode a : tok.path("added_tokens")) {
            assertEquals(a.path("content").asText(), decoder.path(a.path("id").asText()).path("content").asText());
        }
        int vocabSize = JSON.readTree(out.resolve("config.json").toFile()).path("vocab_size").intValue();
        Map<String, float[]> matrices = new HashMap<>();
        for (String m : MATRICES) {
            float[] values = MergeCommandEndToEndTest.read(out, m);
            assertEquals((long) vocabSize * HIDDEN, values.length, m + " has vocab_size rows");
            int largest = vocab.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertTrue(largest < vocabSize, "every id of the tokenizer indexes a row of " + m + ": " + largest);
            assertEquals(expectedSize, vocab.values().stream().distinct().count(), "ids are distinct");
            matrices.put(m, values);
        }
        return new Output(vocab, added, vocabSize, matrices);
    }

    private static String config(String method, String base, List<String> models, String tail) {
        StringBuilder y = new StringBuilder("merge_method: " + method + "\nbase_model: " + base + "\nmodels:\n");
        models.forEach(m -> y.append("  - model: ").append(m).append("\n    parameters:\n      weight: 1.0\n"));
        return y + "dtype: float32\n" + tail;
    }

    private static float[] mean(float[]... rows) {
        float[] m = new float[HIDDEN];
        for (int j = 0; j < HIDDEN; j++) {
            double s = 0;
            for (float[] r : rows) {
                s += r[j];
            }
            m[j] = (float) (s / rows.length);
        }
        return m;
    }

    private static void assertRow(float[] expected, float[] actual, String what) {
        assertArrayEquals(expected, actual, 1e-6f, what);
    }

    private static final List<String> THREE = List.of("model_base", "model_padded", "model_chatml");

    @Test
    void legacyModeCopiesTheBaseTokenizer() throws IOException {
        Output o = merge("legacy", config("linear", "model_base", THREE, ""), 64, 3);
        assertEquals(64, o.vocabSize());
        assertEquals(Files.readString(root.resolve("model_base/tokenizer.json")), Files.readString(root.resolve("legacy/tokenizer.json")));
    }

    @Test
    void sourceBaseGivesTheBaseTokenizerAndItsRows() throws IOException {
        Output o = merge("source_base", config("linear", "model_base", THREE, "tokenizer_source: base\n"), 64, 3);
        for (String m : MATRICES) {
            assertRow(mean(row("model_base", m, 9), row("model_padded", m, 9), row("model_chatml", m, 9)), o.row(m, "_tok_9"), m);
        }
    }

    @Test
    void sourceUnionHasEveryUsedTokenAndTheOnlyModelsRows() throws IOException {
        Output o = merge("source_union", config("linear", "model_base", THREE, "tokenizer_source: union\n"), 66, 5);
        assertTrue(o.added().containsAll(List.of("<|im_start|>", "<|im_end|>")), o.added().toString());
        for (int i = 0; i < 4; i++) {
            assertFalse(o.vocab().containsKey("<UNUSED_" + i + ">"), "a token with no row in model_padded is left out");
        }
        assertEquals(66, o.vocabSize());
        for (String m : MATRICES) {
            // only model_chatml has them: every model takes its row, so the merge is that row
            assertRow(row("model_chatml", m, 64), o.row(m, "<|im_start|>"), m + " <|im_start|>");
            assertRow(row("model_chatml", m, 65), o.row(m, "<|im_end|>"), m + " <|im_end|>");
            assertRow(mean(row("model_base", m, 30), row("model_padded", m, 30), row("model_chatml", m, 30)), o.row(m, "_tok_30"), m);
        }
    }

    @Test
    void sourceModelHasThatModelsVocabulary() throws IOException {
        Output o = merge("source_model", config("linear", "model_base", THREE, "tokenizer_source: model_chatml\n"), 66, 5);
        assertEquals(Files.readString(root.resolve("model_chatml/tokenizer.json")), Files.readString(root.resolve("source_model/tokenizer.json")));
        for (String m : MATRICES) {
            assertRow(row("model_chatml", m, 65), o.row(m, "<|im_end|>"), m);
        }
    }

    @Test
    void slerpUnion() throws IOException {
        Output o = merge("slerp_union", config("slerp", "model_base", List.of("model_base", "model_chatml"),
                "tokenizer_source: union\nparameters:\n  t: 0.5\n"), 66, null);
        for (String m : MATRICES) {
            // slerp of two matrices that share these rows: s0*A + s1*B, so the row is chatml's scaled
            float[] merged = o.row(m, "<|im_start|>");
            float[] chatml = row("model_chatml", m, 64);
            double dot = 0;
            double nm = 0;
            double nc = 0;
            for (int j = 0; j < HIDDEN; j++) {
                dot += merged[j] * chatml[j];
                nm += merged[j] * merged[j];
                nc += chatml[j] * chatml[j];
            }
            assertEquals(1.0, dot / Math.sqrt(nm * nc), 1e-5, m + ": <|im_start|> is chatml's row, scaled");
        }
    }

    @Test
    void forcedTokensTakeTheirSourceInEveryModel() throws IOException {
        String tail = """
                tokenizer:
                  source: union
                  tokens:
                    _tok_10:
                      source: model_chatml
                      force: true
                    _tok_11:
                      source: model_base
                      force: true
                """;
        Output o = merge("force_token", config("linear", "model_base", List.of("model_base", "model_chatml"), tail), 66, null);
        assertTrue(o.vocab().keySet().containsAll(List.of("<|im_start|>", "<|im_end|>")));
        for (String m : MATRICES) {
            assertRow(row("model_chatml", m, 10), o.row(m, "_tok_10"), m + " _tok_10 from model_chatml");
            assertRow(row("model_base", m, 11), o.row(m, "_tok_11"), m + " _tok_11 from model_base");
            assertRow(mean(row("model_base", m, 12), row("model_chatml", m, 12)), o.row(m, "_tok_12"), m + " not forced");
        }
    }

    @Test
    void modelTokenSourcesByIdAndByText() throws IOException {
        String tail = """
                tokenizer:
                  source: base
                  tokens:
                    _tok_20:
                      source:
                        kind: model_token
                        model: model_chatml
                        token_id: 64
                      force: true
                    _tok_21:
                      source:
                        kind: model_token
                        model: model_base
                        token: <s>
                      force: true
                    _tok_22:
                      source:
                        kind: zero
                      force: true
                """;
        Output o = merge("model_token_id", config("linear", "model_base", List.of("model_base", "model_chatml"), tail), 64, null);
        assertTrue(o.vocab().containsKey("_tok_10"));
        for (String m : MATRICES) {
            assertRow(row("model_chatml", m, 64), o.row(m, "_tok_20"), m + " _tok_20 is model_chatml's token 64");
            assertRow(row("model_base", m, 1), o.row(m, "_tok_21"), m + " _tok_21 is model_base's <s>");
            assertRow(new float[HIDDEN], o.row(m, "_tok_22"), m + " _tok_22 is zero");
        }
    }

    @Test
    void padToMultipleOfPadsRowsWithTheirMean() throws IOException {
        String tail = "tokenizer:\n  source: base\n  pad_to_multiple_of: 16\n";
        Output o = merge("pad", config("linear", "model_chatml", List.of("model_chatml"), tail), 66, 5);
        assertEquals(80, o.vocabSize(), "(66 // 16 + 1) * 16");
        for (String m : MATRICES) {
            float[] chatml = MergeCommandEndToEndTest.read(root.resolve("model_chatml"), m);
            float[] merged = o.matrices().get(m);
            for (int i = 0; i < 66 * HIDDEN; i++) {
                assertEquals(Float.floatToRawIntBits(chatml[i]), Float.floatToRawIntBits(merged[i]), m + ": a one-model merge keeps every row exactly");
            }
            float[][] rows = new float[66][];
            for (int r = 0; r < 66; r++) {
                rows[r] = rowAt(chatml, r);
            }
            for (int r = 66; r < 80; r++) {
                assertRow(mean(rows), rowAt(merged, r), m + ": padded row " + r + " is the mean of the rows");
            }
        }
    }

    /** Same-size vocabularies with other tokens at some ids are permuted to the output ids, not copied row by row. */
    @Test
    void sameSizeVocabulariesArePermuted() throws IOException {
        List<String> two = List.of("model_base", "model_shuffled");
        Output base = merge("shuffled_base", config("linear", "model_base", two, "tokenizer_source: base\n"), 64, 3);
        for (String m : MATRICES) {
            assertRow(mean(row("model_base", m, 5), row("model_shuffled", m, 6)), base.row(m, "_tok_5"), m + " _tok_5");
            assertRow(mean(row("model_base", m, 6), row("model_shuffled", m, 5)), base.row(m, "_tok_6"), m + " _tok_6");
            assertRow(row("model_base", m, 7), base.row(m, "_tok_7"), m + " _tok_7: only model_base has it");
            assertRow(mean(row("model_base", m, 8), row("model_shuffled", m, 8)), base.row(m, "_tok_8"), m + " _tok_8");
        }
        Output union = merge("shuffled_union", config("linear", "model_base", two, "tokenizer_source: union\n"), 65, 4);
        assertEquals(64, union.vocab().get("_new"), "a token of the other model is added after the base's");
        for (String m : MATRICES) {
            assertRow(row("model_shuffled", m, 7), union.row(m, "_new"), m + " _new: only model_shuffled has it");
        }
    }

    /** Without a base, a token that some models have and others lack takes the mean of the rows of those that have it. */
    @Test
    void aTokenSeveralModelsHaveTakesTheirMeanWithoutABase() throws IOException {
        String yaml = config("linear", "x", List.of("model_base", "model_shuffled", "model_shuffled_too"), "tokenizer_source: union\n")
                .replace("base_model: x\n", "");
        Output o = merge("mean_union", yaml, 65, 4);
        for (String m : MATRICES) {
            float[] mean = mean(row("model_shuffled", m, 7), row("model_shuffled_too", m, 7));
            // model_base takes the mean; the linear merge of (mean, a, b) with equal weights is that mean again
            assertRow(mean, o.row(m, "_new"), m + " _new");
            assertRow(row("model_base", m, 7), o.row(m, "_tok_7"), m + " _tok_7: only model_base has it");
            assertRow(mean(row("model_base", m, 6), row("model_shuffled", m, 5), row("model_shuffled_too", m, 5)), o.row(m, "_tok_6"), m);
        }
    }

    @Test
    void badTokenSettingsAreOneLineNamingTheKey() throws IOException {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("tokens:\n    <|im_start|>:\n      source: model_base\n",
                "bad.yaml: tokenizer.tokens.<|im_start|>.source: model model_base has no token '<|im_start|>'");
        cases.put("tokens:\n    _tok_3:\n      source: {kind: mean}\n",
                "bad.yaml: tokenizer.tokens._tok_3.source.kind: expected zero or model_token, got a string 'mean'");
        cases.put("tokens:\n    _tok_3:\n      source: {kind: model_token, model: model_chatml, token: nope}\n",
                "bad.yaml: tokenizer.tokens._tok_3.source.token: model model_chatml has no token 'nope'");
        cases.put("tokens:\n    _tok_3:\n      source: {kind: model_token, model: model_base, token_id: 64}\n",
                "bad.yaml: tokenizer.tokens._tok_3.source.token_id: token id 64 is out of range");
        cases.put("tokens:\n    _tok_3:\n      source: model_padded\n",
                "bad.yaml: tokenizer.tokens._tok_3.source: model model_padded is not one of the merge's models");
        cases.put("tokens:\n    _tok_3:\n      force: true\n", "bad.yaml: tokenizer.tokens._tok_3.source: missing");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path recipe = root.resolve("bad.yaml");
            Files.writeString(recipe, config("linear", "model_base", List.of("model_base", "model_chatml"),
                    "tokenizer:\n  source: base\n  " + c.getKey()));
            MergeCommandEndToEndTest.Run run = MergeCommandEndToEndTest.merge(recipe, root.resolve("bad"));
            assertEquals(2, run.exit(), run.err());
            assertTrue(run.err().contains(c.getValue()), run.err());
            assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
            assertFalse(Files.exists(root.resolve("bad")));
        }
    }
}
