package dev.amalgam.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a task's rows live: {@code dataset: {path: DIR, files: {SPLIT: FILE_OR_GLOB}, columns: [...], where: {FIELD: VALUE}}}.
 *
 * @param dir     the dataset folder, resolved against {@code --data-dir} or the task file's folder
 * @param files   split name to a file name or glob relative to {@code dir} ({@code .jsonl}, {@code .json}, {@code .csv});
 *                a glob's matches are read in sorted order and concatenated
 * @param columns column names for header-less CSV files; empty when the CSV has a header row
 * @param where   keep only rows whose field equals the value (as text), e.g. one MMLU subject of a combined file
 */
public record DatasetSpec(Path dir, Map<String, String> files, List<String> columns, Map<String, String> where) {
    public DatasetSpec {
        Objects.requireNonNull(dir, "dir");
        files = Map.copyOf(files);
        columns = List.copyOf(columns);
        where = Map.copyOf(where);
    }
}
