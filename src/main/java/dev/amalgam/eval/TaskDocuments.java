package dev.amalgam.eval;

import dev.amalgam.BadInputException;
import dev.amalgam.eval.DocTemplate.RowRef;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Renders a task's documents into prompts exactly as lm-evaluation-harness does: description, then each few-shot
 * example as {@code doc_to_text + target_delimiter + gold choice + fewshot_delimiter}, then {@code doc_to_text}.
 */
public final class TaskDocuments {
    private final DataRows dataRows = new DataRows();

    /** A data row and where it came from. */
    private record Row(Map<String, Object> doc, RowRef ref) {
    }

    /** How many documents the scored split holds (all of them, whatever a selection picks). */
    public int splitSize(TaskDefinition task) {
        return rows(task, task.evalSplit()).size();
    }

    /**
     * The scored documents of {@code task}: all of them, the first {@code limit}, or, with a sample seed, {@code limit}
     * documents drawn at random (kept in document order).
     */
    public List<McDocument> render(TaskDefinition task, DocumentSelection selection) {
        List<Row> evalRows = rows(task, task.evalSplit());
        List<Row> fewshotRows = task.numFewshot() > 0 ? rows(task, task.fewshotSourceSplit()) : List.of();
        // lm-eval draws one extra example when fewshot_split == test_split (as configured, so two unset splits count
        // as equal), then drops any example equal to the scored document, whichever split it came from.
        int drawn = task.numFewshot() + (task.fewshotSplit().equals(task.testSplit()) ? 1 : 0);
        if (task.numFewshot() > 0 && drawn > fewshotRows.size()) {
            throw new BadInputException(task.file() + ": num_fewshot " + task.numFewshot() + " but split '"
                    + task.fewshotSourceSplit() + "' has only " + fewshotRows.size() + " documents");
        }
        PythonRandom rnd = task.sampler() instanceof FewshotSampler.Seeded(long seed) ? new PythonRandom(seed) : null;
        Map<Row, String> examples = new java.util.IdentityHashMap<>(); // rendered few-shot examples, reused across documents
        List<McDocument> docs = new ArrayList<>();
        for (int docId : selection.pick(evalRows.size())) {
            Row row = evalRows.get(docId);
            StringBuilder context = new StringBuilder();
            task.description().ifPresent(d -> context.append(d.render(withVars(task, row.doc()), row.ref())));
            if (task.numFewshot() > 0) {
                for (Row example : fewshotExamples(task, fewshotRows, drawn, row, rnd)) {
                    context.append(examples.computeIfAbsent(example, e -> text(task, e) + task.targetDelimiter()
                            + goldText(task, e) + task.fewshotDelimiter()));
                }
            }
            context.append(text(task, row));
            List<String> choices = task.docToChoice().choices(withVars(task, row.doc()), row.ref());
            Object target = task.docToTarget().evaluate(withVars(task, row.doc()), row.ref());
            docs.add(new McDocument(docId, context.toString(), choices, golds(task, row, target, choices)));
        }
        return docs;
    }

    private static List<Row> fewshotExamples(TaskDefinition task, List<Row> pool, int drawn, Row self, PythonRandom rnd) {
        List<Row> sample = switch (task.sampler()) {
            case FewshotSampler.FirstN() -> pool.subList(0, drawn);
            case FewshotSampler.Seeded(long seed) -> rnd.sample(pool, drawn);
        };
        // As lm-eval ([x for x in fewshotex if x != doc][:num_fewshot]): rows equal to the scored document are dropped.
        return sample.stream().filter(r -> !r.doc().equals(self.doc())).limit(task.numFewshot()).toList();
    }

    private static String text(TaskDefinition task, Row row) {
        return task.docToText().text(withVars(task, row.doc()), row.ref());
    }

    /**
     * The target text of a few-shot example, as lm-eval: the first element of a list target, a text target as is,
     * else the choice at the target index.
     */
    private static String goldText(TaskDefinition task, Row row) {
        Object target = task.docToTarget().evaluate(withVars(task, row.doc()), row.ref());
        if (target instanceof List<?> list && !list.isEmpty()) {
            return String.valueOf(list.getFirst());
        }
        if (target instanceof String s && !isInteger(s.strip())) {
            return s;
        }
        List<String> choices = task.docToChoice().choices(withVars(task, row.doc()), row.ref());
        return choices.get(golds(task, row, target, choices).getFirst());
    }

    /**
     * Gold indices: a number, a numeric string, a choice string, or a list of those (lm-eval's multiple golds). Each
     * must index a choice: lm-eval would score an out-of-range gold 0 on every item, which hides a broken task.
     */
    private static List<Integer> golds(TaskDefinition task, Row row, Object target, List<String> choices) {
        String where = row.ref() + ": doc_to_target of " + task.file();
        if (choices.isEmpty()) {
            throw new BadInputException(row.ref() + ": doc_to_choice of " + task.file() + " gave no choices");
        }
        if (task.docToTarget().namesMissingField(row.doc())) {
            throw new BadInputException(row.ref() + ": missing field '" + task.docToTarget().source() + "' used by doc_to_target of " + task.file());
        }
        List<?> targets = target instanceof List<?> list ? list : List.of(Objects.requireNonNullElse(target, ""));
        if (targets.isEmpty()) {
            throw new BadInputException(where + " gave an empty list (no gold answer)");
        }
        List<Integer> golds = new ArrayList<>();
        for (Object t : targets) {
            int gold;
            if (t instanceof Number n) {
                gold = n.intValue();
            } else if (isInteger(String.valueOf(t).strip())) {
                gold = Integer.parseInt(String.valueOf(t).strip());
            } else if (choices.contains(String.valueOf(t))) {
                gold = choices.indexOf(String.valueOf(t));
            } else {
                throw new BadInputException(where + " gave '" + t + "', which is neither an index nor one of the choices " + choices);
            }
            if (gold < 0 || gold >= choices.size()) {
                throw new BadInputException(where + " gave " + gold + ", which is not an index of the " + choices.size() + " choices "
                        + choices + (gold == -1 ? " (index() gives -1 for a label that is not among the choice labels)" : ""));
            }
            golds.add(gold);
        }
        return golds;
    }

    private static boolean isInteger(String s) {
        return s.matches("-?\\d+");
    }

    private static Map<String, Object> withVars(TaskDefinition task, Map<String, Object> doc) {
        if (task.vars().isEmpty()) {
            return doc;
        }
        Map<String, Object> merged = new HashMap<>(task.vars());
        merged.putAll(doc);
        return merged;
    }

    /** The rows of one split: its file or glob matches (sorted), filtered by {@code dataset.where}. */
    private List<Row> rows(TaskDefinition task, String split) {
        DatasetSpec ds = task.dataset();
        List<Row> rows = new ArrayList<>();
        for (Path file : splitFiles(task, split)) {
            List<Map<String, Object>> data = dataRows.read(file, ds.columns());
            for (int i = 0; i < data.size(); i++) {
                Map<String, Object> doc = data.get(i);
                RowRef ref = new RowRef(file, i + 1, split);
                boolean keep = true;
                for (Map.Entry<String, String> w : ds.where().entrySet()) {
                    if (!doc.containsKey(w.getKey())) {
                        throw new BadInputException(ref + ": missing field '" + w.getKey() + "' used by dataset.where of " + task.file());
                    }
                    keep &= String.valueOf(doc.get(w.getKey())).equals(w.getValue());
                }
                if (keep) {
                    rows.add(new Row(doc, ref));
                }
            }
        }
        if (rows.isEmpty()) {
            throw new BadInputException(task.file() + ": split '" + split + "' of task " + task.name() + " has no rows"
                    + (ds.where().isEmpty() ? "" : " matching dataset.where " + ds.where()));
        }
        return rows;
    }

    private static List<Path> splitFiles(TaskDefinition task, String split) {
        String pattern = task.dataset().files().get(split);
        Path dir = task.dataset().dir();
        if (!pattern.contains("*") && !pattern.contains("?") && !pattern.contains("[") && !pattern.contains("{")) {
            Path file = dir.resolve(pattern);
            if (!Files.isRegularFile(file)) {
                throw new BadInputException(task.file() + ": dataset.files." + split + ": no file " + file + " (pass --data-dir?)");
            }
            return List.of(file);
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> files = walk.filter(Files::isRegularFile).filter(p -> matcher.matches(dir.relativize(p))).sorted().toList();
            if (files.isEmpty()) {
                throw new BadInputException(task.file() + ": dataset.files." + split + ": no file matches " + dir.resolve(pattern));
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Which documents of a split are scored: all, the first {@code limit}, or {@code limit} drawn with a seed. */
    public record DocumentSelection(int limit, long sampleSeed, boolean seeded) {
        public static final DocumentSelection ALL = new DocumentSelection(Integer.MAX_VALUE, 0, false);

        public DocumentSelection {
            if (limit < 1) {
                throw new IllegalArgumentException("limit must be >= 1, got " + limit);
            }
        }

        public static DocumentSelection first(int limit) {
            return new DocumentSelection(limit, 0, false);
        }

        public static DocumentSelection sampled(int limit, long seed) {
            return new DocumentSelection(limit, seed, true);
        }

        /** Document indices in increasing order. */
        int[] pick(int size) {
            if (limit >= size) {
                return IntStream.range(0, size).toArray();
            }
            if (!seeded) {
                return IntStream.range(0, limit).toArray();
            }
            List<Integer> all = new ArrayList<>(IntStream.range(0, size).boxed().toList());
            java.util.Collections.shuffle(all, new Random(sampleSeed));
            return all.subList(0, limit).stream().mapToInt(Integer::intValue).sorted().toArray();
        }
    }
}
