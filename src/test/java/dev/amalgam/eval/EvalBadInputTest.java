package dev.amalgam.eval;

import dev.amalgam.BadInputCase;
import dev.amalgam.Fixtures;
import dev.amalgam.ModelFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code amalgam eval} on bad input, one case per row: exit code 2, one line naming the culprit (model file; task
 * file, split, row and field for data), no stack trace, no results file, and no file of the user's changed.
 */
class EvalBadInputTest {
    static Path MODEL; // the stories260K fixture (the class is skipped without it)

    @TempDir
    static Path shared;
    static Path nanModel; // the fixture with NaN in the final norm: every log-likelihood is NaN

    @BeforeAll
    static void writeModels() {
        MODEL = Fixtures.stories260K().toAbsolutePath().normalize(); // cases() runs after this
        nanModel = ModelFiles.copy(MODEL, shared.resolve("nan-model"));
        ModelFiles.poke(nanModel, "model.norm.weight", Float.NaN, 0, 1, 2);
    }

    static final String TASK = """
            task: t
            dataset: {path: ., files: {test: data.jsonl}}
            test_split: test
            doc_to_text: "Q: {{q}}\\nA:"
            doc_to_choice: "{{options}}"
            doc_to_target: label
            """;

    static final String DATA = """
            {"q": "Is ice cold?", "options": ["yes", "no"], "label": 0}
            {"q": "Is fire cold?", "options": ["yes", "no"], "label": 1}
            {"q": "Is snow white?", "options": ["yes", "no"], "label": 0}
            """;

    /** Task and data files as given, scored on {@code model} into {@code dir/results.json}, plus {@code options}. */
    static BadInputCase.Setup task(String yaml, String data, Path model, String... options) {
        return dir -> {
            Path tasks = Files.createDirectories(dir.resolve("tasks"));
            Files.writeString(tasks.resolve("t.yaml"), yaml);
            String dataFile = yaml.substring(yaml.indexOf("test: ") + 6, yaml.indexOf('}', yaml.indexOf("test: ")));
            Files.writeString(tasks.resolve(dataFile), data);
            List<String> args = new ArrayList<>(List.of(model.toString(), "--tasks", "t", "--tasks-dir", tasks.toString(),
                    "--output", dir.resolve("results.json").toString()));
            args.addAll(List.of(options));
            return args;
        };
    }

    static BadInputCase.Setup task(String yaml, String data) {
        return task(yaml, data, MODEL);
    }

    static BadInputCase.Setup options(String... options) {
        return task(TASK, DATA, MODEL, options);
    }

    /** The valid task scored on a copy of the fixture model changed by {@code edit}. */
    static BadInputCase.Setup model(Edit edit) {
        return dir -> {
            Path copy = ModelFiles.copy(MODEL, dir.resolve("model"));
            edit.apply(copy);
            return task(TASK, DATA, copy).args(dir);
        };
    }

    @FunctionalInterface
    interface Edit {
        void apply(Path model) throws IOException;
    }

    static Edit config(String from, String to) {
        return m -> Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace(from, to));
    }

    static Edit header(String from, String to) {
        return m -> {
            Path f = m.resolve("model.safetensors");
            byte[] b = Files.readAllBytes(f);
            int at = new String(b, StandardCharsets.ISO_8859_1).indexOf(from);
            System.arraycopy(to.getBytes(StandardCharsets.ISO_8859_1), 0, b, at, to.length());
            Files.write(f, b);
        };
    }

    static Stream<BadInputCase> cases() {
        String arc = TASK.replace("\"{{options}}\"", "\"{{choices.text}}\"").replace("doc_to_target: label", "doc_to_target: \"{{choices.label.index(answerKey)}}\"");
        String arcRow = "{\"q\": \"Pick\", \"choices\": {\"text\": [\"x\", \"y\"], \"label\": [\"A\", \"B\"]}, \"answerKey\": \"%s\"}\n";
        return Stream.of(
                new BadInputCase("model folder missing", dir -> task(TASK, DATA, dir.resolve("nowhere")).args(dir), "nowhere", "model folder not found"),
                new BadInputCase("model folder without tokenizer.json", model(m -> Files.delete(m.resolve("tokenizer.json"))), "tokenizer.json", "not found"),
                new BadInputCase("model folder without config.json", model(m -> Files.delete(m.resolve("config.json"))), "config.json", "not found"),
                new BadInputCase("config.json syntax error keeps the first line and the position", model(m -> Files.writeString(m.resolve("config.json"),
                        "{\n  \"hidden_size\": 64,\n  \"x\": ]\n}")), "config.json", "line 3"),
                new BadInputCase("config.json says 4 layers, the tensors hold 5", model(config("\"num_hidden_layers\": 5", "\"num_hidden_layers\": 4")),
                        "config.json", "num_hidden_layers is 4", "5 layers"),
                new BadInputCase("config.json says 6 layers, the tensors hold 5", model(config("\"num_hidden_layers\": 5", "\"num_hidden_layers\": 6")),
                        "config.json", "num_hidden_layers is 6", "5 layers"),
                new BadInputCase("weights truncated", model(m -> Files.write(m.resolve("model.safetensors"),
                        Arrays.copyOf(Files.readAllBytes(m.resolve("model.safetensors")), 500_000))), "model.safetensors", "truncated"),
                new BadInputCase("a tensor named twice", model(header("\"model.layers.1.mlp.up_proj.weight\"", "\"model.layers.0.mlp.up_proj.weight\"")),
                        "model.safetensors", "'model.layers.0.mlp.up_proj.weight' appears twice"),
                new BadInputCase("F32 data labelled I32", model(header("\"model.norm.weight\":{\"dtype\":\"F32\"", "\"model.norm.weight\":{\"dtype\":\"I32\"")),
                        "model.norm.weight", "I32", "floating"),
                new BadInputCase("NaN weights make every log-likelihood NaN", dir -> task(TASK, DATA, nanModel).args(dir),
                        "task t", "t.yaml", "document 0", "log-likelihood", "NaN"),
                new BadInputCase("unknown task", dir -> {
                    List<String> args = new ArrayList<>(options().args(dir));
                    args.set(2, "tt");
                    return args;
                }, "unknown task 'tt'", "did you mean 't'"),
                new BadInputCase("--limit 0", options("--limit", "0"), "--limit"),
                new BadInputCase("--num-fewshot -1", options("--num-fewshot", "-1"), "--num-fewshot"),
                new BadInputCase("--batch-size abc", options("--batch-size", "abc"), "--batch-size", "abc"),
                new BadInputCase("--sample-seed without --limit", options("--sample-seed", "3"), "--sample-seed needs --limit"),
                new BadInputCase("tasks folder missing", dir -> List.of(MODEL.toString(), "--tasks", "t", "--tasks-dir", dir.resolve("none").toString()),
                        "tasks folder", "none", "does not exist"),
                new BadInputCase("--output under a file", dir -> {
                    Files.writeString(dir.resolve("x.txt"), "mine");
                    List<String> args = new ArrayList<>(options().args(dir));
                    args.set(args.indexOf("--output") + 1, dir.resolve("x.txt").resolve("r.json").toString());
                    return args;
                }, "x.txt is a file, not a folder"),
                new BadInputCase("--output exists, no --overwrite", dir -> {
                    Files.writeString(dir.resolve("results.json"), "mine");
                    return options().args(dir);
                }, "results.json: exists; pass --overwrite to replace it"),
                new BadInputCase("task YAML syntax error keeps the first line and the position", task(TASK + "metric_list: [acc\nfoo: 1\n", DATA),
                        "t.yaml", "line 8"),
                new BadInputCase("unknown task field", task(TASK.replace("doc_to_text", "doc_to_txt"), DATA), "t.yaml", "doc_to_txt", "did you mean 'doc_to_text'"),
                new BadInputCase("unknown metric", task(TASK + "metric_list: [{metric: accc}]\n", DATA), "t.yaml", "accc", "did you mean 'acc'"),
                new BadInputCase("data file missing", dir -> {
                    List<String> args = task(TASK, DATA).args(dir);
                    Files.delete(dir.resolve("tasks/data.jsonl"));
                    return args;
                }, "t.yaml", "dataset.files.test", "data.jsonl"),
                new BadInputCase("data row not JSON", task(TASK, DATA.replace("\"Is fire cold?\",", "\"Is fire cold?\"")), "data.jsonl row 2", "not a JSON object", "column"),
                new BadInputCase("JSON array data with a syntax error keeps the first line and the position",
                        task(TASK.replace("data.jsonl", "data.json"), "[{\"q\": \"a\",\n \"options\": [\"x\"] \"label\": 0}]"), "data.json", "line 2"),
                new BadInputCase("CSV record with a missing field", task(TASK.replace("data.jsonl", "data.csv").replace("\"{{options}}\"", "[\"yes\", \"no\"]"),
                        "q,label\nIs ice cold?,0\nIs fire cold?\n"), "data.csv", "record 3", "1 fields, expected 2"),
                new BadInputCase("dataset.where on a missing field", task(TASK.replace("files: {test: data.jsonl}", "files: {test: data.jsonl}, where: {kind: x}"), DATA),
                        "data.jsonl row 1", "missing field 'kind'"),
                new BadInputCase("gold answer missing", task(TASK, DATA.replace(", \"label\": 1", "")), "t.yaml", "split 'test'", "data.jsonl row 2",
                        "doc_to_target", "missing field 'label'"),
                new BadInputCase("gold answer not among the choice labels (index gives -1)", task(arc, arcRow.formatted("A") + arcRow.formatted("E")),
                        "t.yaml", "split 'test'", "data.jsonl row 2", "doc_to_target", "-1", "2 choices"),
                new BadInputCase("gold index 7 of 2 choices", task(TASK, DATA.replace("\"label\": 1", "\"label\": 7")),
                        "t.yaml", "split 'test'", "data.jsonl row 2", "doc_to_target", "7", "2 choices"),
                new BadInputCase("gold text not among the choices", task(TASK, DATA.replace("\"label\": 1", "\"label\": \"maybe\"")),
                        "t.yaml", "split 'test'", "data.jsonl row 2", "doc_to_target", "'maybe'"),
                new BadInputCase("empty choice list", task(TASK, DATA.replace("\"options\": [\"yes\", \"no\"], \"label\": 1", "\"options\": [], \"label\": 1")),
                        "t.yaml", "split 'test'", "data.jsonl row 2", "doc_to_choice", "no choices"),
                new BadInputCase("choices not a list", task(TASK, DATA.replace("[\"yes\", \"no\"], \"label\": 1", "\"yes\", \"label\": 1")),
                        "t.yaml", "data.jsonl row 2", "doc_to_choice", "list"),
                new BadInputCase("unclosed {{ in a template", task(TASK.replace("\"Q: {{q}}\\nA:\"", "\"Q: {{q\\nA:\""), DATA),
                        "t.yaml", "doc_to_text", "template error"),
                new BadInputCase("unknown filter is a template error, not a missing field", task(TASK.replace("{{q}}", "{{q | shout}}"), DATA),
                        "t.yaml", "doc_to_text", "template error", "shout"),
                new BadInputCase("field missing in doc_to_text", task(TASK, DATA.replace("\"q\": \"Is fire cold?\"", "\"question\": \"Is fire cold?\"")),
                        "t.yaml", "split 'test'", "data.jsonl row 2", "missing field 'q'", "doc_to_text"),
                new BadInputCase("num_fewshot beyond the split", task(TASK + "num_fewshot: 5\n", DATA), "t.yaml", "num_fewshot 5", "only"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithOneLineAndNothingChanged(BadInputCase c, @TempDir Path dir) throws IOException {
        c.assertRefused("eval", dir, List.of(), MODEL, nanModel);
    }
}
