package dev.amalgam.eval;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.BadInputException;
import dev.amalgam.Fixtures;
import dev.amalgam.eval.TaskDocuments.DocumentSelection;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
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

/**
 * Datasets as the Hugging Face hub stores them: fixture rows written as snappy parquet shards in the hub's schemas
 * (as pyarrow writes them: optional fields, 3-level LISTs) render exactly the documents their .jsonl form renders.
 */
class ParquetDatasetTest {
    /** allenai/ai2_arc: choices is a struct of two string lists. */
    private static final MessageType ARC = MessageTypeParser.parseMessageType("""
            message schema {
              optional binary id (STRING);
              optional binary question (STRING);
              optional group choices {
                optional group text (LIST) { repeated group list { optional binary element (STRING); } }
                optional group label (LIST) { repeated group list { optional binary element (STRING); } }
              }
              optional binary answerKey (STRING);
            }""");
    /** cais/mmlu: choices is a string list, answer a class label (int64). */
    private static final MessageType MMLU = MessageTypeParser.parseMessageType("""
            message schema {
              optional binary question (STRING);
              optional binary subject (STRING);
              optional group choices (LIST) { repeated group list { optional binary element (STRING); } }
              optional int64 answer;
            }""");

    @Test
    void arcShardsGlobbedRenderAsTheJsonl(@TempDir Path dir) throws IOException {
        List<Map<String, Object>> rows = jsonl(Fixtures.evalData().resolve("arc/ARC-Challenge-test.hf.jsonl"), 40);
        Path shards = Files.createDirectories(dir.resolve("ai2_arc/ARC-Challenge"));
        // Two shards, named as the hub names them; the glob reads them in sorted order.
        write(shards.resolve("test-00001-of-00002.parquet"), ARC, rows.subList(25, 40), ParquetDatasetTest::arcRow);
        write(shards.resolve("test-00000-of-00002.parquet"), ARC, rows.subList(0, 25), ParquetDatasetTest::arcRow);
        Path task = dir.resolve("arc_parquet.yaml");
        Files.writeString(task, Files.readString(EvalFixtures.TASKS.resolve("arc_challenge.yaml"))
                .replace("task: arc_challenge", "task: arc_parquet")
                .replaceAll("path: arc\\n", "path: ai2_arc\n")
                .replace("ARC-Challenge-test.hf.jsonl", "ARC-Challenge/test-*.parquet"));
        TaskDefinition parquet = TaskRegistry.loadTaskFile(task, Optional.of(dir));
        TaskDefinition jsonl = EvalFixtures.shippedTasks().select(List.of("arc_challenge")).tasks().getFirst();
        List<McDocument> want = new TaskDocuments().render(jsonl, DocumentSelection.first(40));
        assertEquals(want, new TaskDocuments().render(parquet, DocumentSelection.ALL));
    }

    @Test
    void mmluParquetWithIntegerAnswersRendersAsTheJsonl(@TempDir Path dir) throws IOException {
        List<Map<String, Object>> rows = jsonl(Fixtures.evalData().resolve("mmlu/hf/test.jsonl"), 30);
        Path folder = Files.createDirectories(dir.resolve("mmlu/hf"));
        write(folder.resolve("test.parquet"), MMLU, rows, ParquetDatasetTest::mmluRow);
        Map<?, ?> first = DataRowsAccess.first(folder.resolve("test.parquet"));
        assertEquals(List.of("0", "4", "2", "6"), first.get("choices"));
        assertEquals(1L, first.get("answer"));
        TaskDefinition jsonl = EvalFixtures.shippedTasks().select(List.of("mmlu_abstract_algebra")).tasks().getFirst().withNumFewshot(0);
        TaskDefinition parquet = new TaskDefinition(jsonl.name(), jsonl.file(), new DatasetSpec(folder, Map.of("test", "test.parquet"),
                List.of(), jsonl.dataset().where()), jsonl.testSplit(), Optional.empty(), Optional.empty(), Optional.empty(),
                jsonl.docToText(), jsonl.docToChoice(), jsonl.docToTarget(), jsonl.description(), jsonl.targetDelimiter(),
                jsonl.fewshotDelimiter(), 0, jsonl.sampler(), jsonl.metrics(), jsonl.vars());
        assertEquals(new TaskDocuments().render(jsonl, DocumentSelection.first(30)), new TaskDocuments().render(parquet, DocumentSelection.ALL));
    }

    @Test
    void notParquetIsBadInputNamingTheFile(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("test-00000-of-00001.parquet");
        Files.writeString(bad, "{\"question\": \"not parquet\"}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> DataRowsAccess.first(bad));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
    }

    /** Reads through the same entry point as tasks. */
    private static final class DataRowsAccess {
        static Map<?, ?> first(Path file) {
            return new DataRows().read(file, List.of()).getFirst();
        }
    }

    private interface RowWriter {
        void fill(Group group, Map<String, Object> row);
    }

    private static void write(Path file, MessageType schema, List<Map<String, Object>> rows, RowWriter fill) throws IOException {
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(schema)
                .withConf(new PlainParquetConfiguration()).withCodecFactory(ParquetCodecs.INSTANCE)
                .withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (Map<String, Object> row : rows) {
                Group g = groups.newGroup();
                fill.fill(g, row);
                writer.write(g);
            }
        }
    }

    private static void arcRow(Group g, Map<String, Object> row) {
        g.append("id", (String) row.get("id")).append("question", (String) row.get("question"));
        Map<?, ?> choices = (Map<?, ?>) row.get("choices");
        Group c = g.addGroup("choices");
        list(c.addGroup("text"), (List<?>) choices.get("text"));
        list(c.addGroup("label"), (List<?>) choices.get("label"));
        g.append("answerKey", (String) row.get("answerKey"));
    }

    private static void mmluRow(Group g, Map<String, Object> row) {
        g.append("question", (String) row.get("question")).append("subject", (String) row.get("subject"));
        list(g.addGroup("choices"), (List<?>) row.get("choices"));
        g.append("answer", ((Number) row.get("answer")).longValue());
    }

    private static void list(Group list, List<?> values) {
        values.forEach(v -> list.addGroup("list").append("element", (String) v));
    }

    private static List<Map<String, Object>> jsonl(Path file, int n) throws IOException {
        ObjectMapper json = new ObjectMapper();
        return Files.readAllLines(file).stream().limit(n)
                .map(l -> {
                    try {
                        return json.readValue(l, new TypeReference<Map<String, Object>>() { });
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).toList();
    }
}
