package dev.amalgam.eval;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.BadInputException;
import dev.amalgam.files.ConfigNode;
import dev.amalgam.files.IoFailure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads dataset files into rows ({@code .jsonl}: one object per line; {@code .json}: an array of objects;
 * {@code .csv}: RFC 4180, a header row unless column names are given; {@code .parquet}: as the Hugging Face hub stores
 * datasets, nested columns as maps and lists, see {@link ParquetRows}). Parsed files are cached, so the 57 MMLU
 * subjects filtering one combined file parse it once.
 */
final class DataRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, List<Map<String, Object>>> cache = new ConcurrentHashMap<>();

    /** The rows of {@code file}, in stored order. Callers must not modify them. */
    List<Map<String, Object>> read(Path file, List<String> columns) {
        return cache.computeIfAbsent(file.toAbsolutePath().normalize() + "|" + columns, k -> parse(file, columns));
    }

    private static List<Map<String, Object>> parse(Path file, List<String> columns) {
        String name = file.getFileName().toString();
        if (name.endsWith(".parquet")) {
            try {
                return ParquetRows.read(file);
            } catch (NoClassDefFoundError e) { // the GPU bundle leaves the parquet jars out (scripts/gpu-bundle)
                throw new BadInputException(file + ": this installation has no parquet reader (the GPU bundle leaves it out);"
                        + " convert the file to .jsonl or score with the full install");
            }
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (name.endsWith(".jsonl")) {
                List<Map<String, Object>> rows = new ArrayList<>();
                String[] lines = text.split("\n", -1);
                for (int i = 0; i < lines.length; i++) {
                    if (!lines[i].isBlank()) {
                        rows.add(jsonObject(lines[i], file, i + 1));
                    }
                }
                return List.copyOf(rows);
            }
            if (name.endsWith(".json")) {
                return List.copyOf(JSON.readValue(text, new TypeReference<List<Map<String, Object>>>() { }));
            }
            if (name.endsWith(".csv")) {
                return csv(text, columns, file);
            }
        } catch (JacksonException e) {
            throw new BadInputException(file + ": not a JSON list of objects: " + ConfigNode.syntaxProblem(e));
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot read dataset file", file, e), e);
        }
        throw new BadInputException(file + ": unsupported dataset file type (expected .jsonl, .json, .csv or .parquet)");
    }

    private static Map<String, Object> jsonObject(String line, Path file, int row) {
        try {
            return JSON.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JacksonException e) {
            throw new BadInputException(file + " row " + row + ": not a JSON object: " + ConfigNode.syntaxProblemInLine(e));
        }
    }

    private static List<Map<String, Object>> csv(String text, List<String> columns, Path file) {
        List<List<String>> records = CsvRecords.parse(text, file);
        List<String> header = columns.isEmpty() && !records.isEmpty() ? records.getFirst() : columns;
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int r = columns.isEmpty() ? 1 : 0; r < records.size(); r++) {
            List<String> record = records.get(r);
            if (record.size() != header.size()) {
                throw new BadInputException(file + " record " + (r + 1) + ": " + record.size() + " fields, expected " + header.size() + " (" + header + ")");
            }
            Map<String, Object> row = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) {
                row.put(header.get(c), record.get(c));
            }
            rows.add(row);
        }
        return List.copyOf(rows);
    }
}
