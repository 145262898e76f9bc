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
    void unknownFieldIsNamedWithSuggestion() throws IOException {
        Path file = task(VALID.replace("doc_to_text", "doc_to_txt"));
        BadInputException e = assertThrows(BadInputException.class, () -> TaskRegistry.loadTaskFile(file, Optional.empty()));
        assertEquals(file + ": unknown field 'doc_to_txt' (did you mean 'doc_to_text'?)", e.getMessage());
    }

    @Test
    void unknownNestedFieldIsNamedWithItsPath() throws IOException {
        Path file = task(VALID.replace("files:", "filez:"));
        BadInputException e = assertThrows(BadInputException.class, () -> TaskRegistry.loadTaskFile(file, Optional.empty()));
        assertTrue(e.getMessage().startsWith(file + ": unknown field 'dataset.filez'"), e.getMessage());
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
        assertEquals(dir.resolve("data.jsonl") + " row 3: missing field 'q' used by doc_to_text of " + dir.resolve("t.yaml"), e.getMessage());
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
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            rows.append("{\"q\": \"q").append(i).append("\", \"options\": [\"a\", \"b\"], \"label\": 0}\n");
        }
        Path file = task(VALID + "num_fewshot: 3\n");
        Files.writeString(dir.resolve("data.jsonl"), rows);
        List<McDocument> docs = new TaskDocuments().render(TaskRegistry.loadTaskFile(file, Optional.empty()), DocumentSelection.ALL);
        // CPython: r = random.Random(1234); per doc d in order: [x for x in r.sample(docs, 4) if x != d][:3]
        int[][] expected = {{3, 4, 5}, {4, 0, 5}, {1, 0, 3}, {0, 2, 4}, {3, 1, 0}, {0, 4, 2}};
        for (McDocument doc : docs) {
            int[] e = expected[doc.docId()];
            assertEquals("Q: q" + e[0] + " a\n\nQ: q" + e[1] + " a\n\nQ: q" + e[2] + " a\n\nQ: q" + doc.docId(), doc.context());
        }
        for (McDocument doc : docs) {
            String[] parts = doc.context().split("\n\n");
            assertEquals(4, parts.length, doc.context());
            String self = "Q: q" + doc.docId();
            assertEquals(self, parts[3]);
            for (int k = 0; k < 3; k++) {
                assertTrue(parts[k].endsWith(" a") && !parts[k].equals(self + " a"), doc.context());
            }
        }
    }
}
