package dev.amalgam.eval;

import dev.amalgam.BadInputException;
import dev.amalgam.eval.TaskDocuments.DocumentSelection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad task files and data rows give one-line messages naming the file, the field and (for data) the row. */
class TaskYamlErrorsTest {
    @TempDir
    Path dir;

    private Path task(String yaml) throws IOException {
        Files.writeString(dir.resolve("data.jsonl"), """
                {"q": "Is ice cold?", "options": ["yes", "no"], "label": 0}
                {"q": "Is fire cold?", "options": ["yes", "no"], "label": 1}
                {"question": "no q here", "options": ["yes", "no"], "label": 1}
                """);
        Path file = dir.resolve("t.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static final String VALID = """
            task: t
            dataset: {path: ., files: {test: data.jsonl}}
            test_split: test
            doc_to_text: "Q: {{q.strip()}}"
            doc_to_choice: "{{options}}"
            doc_to_target: label
            """;

    @Test
    void validTaskRenders() throws IOException {
        TaskDefinition t = TaskRegistry.loadTaskFile(task(VALID), Optional.empty());
        List<McDocument> docs = new TaskDocuments().render(t, DocumentSelection.first(2));
        assertEquals(new McDocument(1, "Q: Is fire cold?", List.of("yes", "no"), List.of(1)), docs.get(1));
    }

    @Test
    void fieldValuesAreNotInterpretedAndTrailingNewlinesKeptAsLmEval() throws IOException {
        Path file = task(VALID.replace("doc_to_text: \"Q: {{q.strip()}}\"", "doc_to_text: |\n  {{q}}\n"));
        Files.writeString(dir.resolve("data.jsonl"), "{\"q\": \"x {{ 1 + 1 }} y\", \"options\": [\"a\", \"b\"], \"label\": 0}\n");
        McDocument doc = new TaskDocuments().render(TaskRegistry.loadTaskFile(file, Optional.empty()), DocumentSelection.first(1)).getFirst();
        assertEquals("x {{ 1 + 1 }} y\n", doc.context());
    }

    @Test
    void choiceListLiteralsYieldLists() throws IOException {
        for (String choices : List.of("'[\"yes\", \"no\"]'", "\"{{ ['yes', 'no'] }}\"", "[\"yes\", \"no\"]")) {
            Path file = task(VALID.replace("\"{{options}}\"", choices));
            McDocument doc = new TaskDocuments().render(TaskRegistry.loadTaskFile(file, Optional.empty()), DocumentSelection.first(1)).getFirst();
            assertEquals(List.of("yes", "no"), doc.choices(), choices);
        }
    }

    @Test
    void unknownFieldIsNamedWithSuggestion() throws IOException {
        Path file = task(VALID.replace("doc_to_text", "doc_to_txt"));
        BadInputException e = assertThrows(BadInputException.class, () -> TaskRegistry.loadTaskFile(file, Optional.empty()));
        assertEquals(file + ": doc_to_txt: unknown key (did you mean 'doc_to_text'?)", e.getMessage());
    }

    @Test
    void unknownNestedFieldIsNamedWithItsPath() throws IOException {
        Path file = task(VALID.replace("files:", "filez:"));
        BadInputException e = assertThrows(BadInputException.class, () -> TaskRegistry.loadTaskFile(file, Optional.empty()));
        assertTrue(e.getMessage().startsWith(file + ": dataset.filez: unknown key"), e.getMessage());
    }

    @Test
    void unknownMetricIsNamed() throws IOException {
        Path file = task(VALID + "metric_list:\n  - metric: acc_nrom\n");
        BadInputException e = assertThrows(BadInputException.class, () -> TaskRegistry.loadTaskFile(file, Optional.empty()));
        assertTrue(e.getMessage().contains("unknown metric 'acc_nrom' (did you mean 'acc_norm'?)"), e.getMessage());
    }

    @Test
    void templateSyntaxErrorNamesFileAndField() throws IOException {
        Path file = task(VALID.replace("{{q.strip()}}", "{{q.strip(}}"));
        TaskDefinition t = TaskRegistry.loadTaskFile(file, Optional.empty());
        BadInputException e = assertThrows(BadInputException.class, () -> new TaskDocuments().render(t, DocumentSelection.ALL));
        assertTrue(e.getMessage().startsWith(file + ": doc_to_text: template error"), e.getMessage());
    }

    @Test
    void rowMissingAFieldNamesDataFileRowAndField() throws IOException {
        TaskDefinition t = TaskRegistry.loadTaskFile(task(VALID), Optional.empty());
        BadInputException e = assertThrows(BadInputException.class, () -> new TaskDocuments().render(t, DocumentSelection.ALL));
        assertEquals(dir.resolve("data.jsonl") + " row 3 (split 'test'): missing field 'q' used by doc_to_text of " + dir.resolve("t.yaml"), e.getMessage());
    }

    @Test
    void choiceTemplateThatIsNotAListIsReported() throws IOException {
        Path file = task(VALID.replace("\"{{options}}\"", "\"{{q}}\""));
        TaskDefinition t = TaskRegistry.loadTaskFile(file, Optional.empty());
        BadInputException e = assertThrows(BadInputException.class, () -> new TaskDocuments().render(t, DocumentSelection.first(1)));
        assertTrue(e.getMessage().startsWith(file + ": doc_to_choice must give a list"), e.getMessage());
    }

    @Test
    void splitWithoutFileIsReported() throws IOException {
        Path file = task(VALID + "fewshot_split: train\n");
        BadInputException e = assertThrows(BadInputException.class, () -> TaskRegistry.loadTaskFile(file, Optional.empty()));
        assertTrue(e.getMessage().startsWith(file + ": fewshot_split: split 'train' has no file in dataset.files"), e.getMessage());
    }

    @Test
    void headerlessCsvWithColumnsAndQuotedNewlines() throws IOException {
        Files.writeString(dir.resolve("q.csv"), "\"Two\nlines, and \"\"quotes\"\"\",x,y,B\nsecond,p,q,A\n");
        Path file = dir.resolve("csv.yaml");
        Files.writeString(file, """
                task: csv
                dataset: {path: ., files: {test: "*.csv"}, columns: [question, A, B, answer]}
                test_split: test
                doc_to_text: "{{question}}\\nA. {{A}}\\nB. {{B}}\\nAnswer:"
                doc_to_choice: ["A", "B"]
                doc_to_target: answer
                """);
        List<McDocument> docs = new TaskDocuments().render(TaskRegistry.loadTaskFile(file, Optional.empty()), DocumentSelection.ALL);
        assertEquals(new McDocument(0, "Two\nlines, and \"quotes\"\nA. x\nB. y\nAnswer:", List.of("A", "B"), List.of(1)), docs.get(0));
        assertEquals(List.of(0), docs.get(1).golds());
    }

    @Test
    void randomFewshotFollowsLmEvalsSeededStreamAndSkipsTheDocumentItself() throws IOException {
        // CPython: r = random.Random(1234); per doc d in order: [x for x in r.sample(docs, 4) if x != d][:3]
        List<List<Integer>> expected = List.of(List.of(3, 4, 5), List.of(4, 0, 5), List.of(1, 0, 3), List.of(0, 2, 4), List.of(3, 1, 0), List.of(0, 4, 2));
        assertEquals(expected, fewshotIds(VALID + "num_fewshot: 3\nfewshot_split: test\n"));
    }

    @Test
    void withoutFewshotSplitLmEvalDrawsNoExtraExampleSoTheDocumentCanCostOne() throws IOException {
        // fewshot_split unset != test_split: CPython [x for x in r.sample(docs, 3) if x != d][:3]
        List<List<Integer>> expected = List.of(List.of(3, 4), List.of(0, 4, 5), List.of(5, 0, 4), List.of(2, 1, 0), List.of(0, 5, 2), List.of(4, 3));
        assertEquals(expected, fewshotIds(VALID + "num_fewshot: 3\n"));
    }

    /** Renders 6 documents q0..q5 and returns, per document, the indices of its few-shot examples. */
    private List<List<Integer>> fewshotIds(String yaml) throws IOException {
        Path file = task(yaml);
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            rows.append("{\"q\": \"q").append(i).append("\", \"options\": [\"a\", \"b\"], \"label\": 0}\n");
        }
        Files.writeString(dir.resolve("data.jsonl"), rows);
        List<List<Integer>> ids = new java.util.ArrayList<>();
        for (McDocument doc : new TaskDocuments().render(TaskRegistry.loadTaskFile(file, Optional.empty()), DocumentSelection.ALL)) {
            String[] parts = doc.context().split("\n\n");
            assertEquals("Q: q" + doc.docId(), parts[parts.length - 1]);
            List<Integer> examples = new java.util.ArrayList<>();
            for (int k = 0; k < parts.length - 1; k++) {
                assertTrue(parts[k].matches("Q: q\\d a"), parts[k]);
                examples.add(parts[k].charAt(4) - '0');
            }
            ids.add(examples);
        }
        return ids;
    }
}
