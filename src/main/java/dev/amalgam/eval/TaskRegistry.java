package dev.amalgam.eval;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.amalgam.BadInputException;
import dev.amalgam.DidYouMean;
import dev.amalgam.files.IoFailure;
import dev.amalgam.files.JsonFailure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The task and group YAML files of a tasks folder, by name. Files are found recursively; files whose name starts
 * with {@code _} are templates (included by groups), not tasks. A group lists tasks by name ({@code task: [...]})
 * and/or instantiates {@code task_template} once per value of its single {@code vars} entry (MMLU's 57 subjects).
 * Dataset paths resolve against the data folder if one is given, else against the task file's folder.
 */
public final class TaskRegistry {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Set<String> TASK_FIELDS = Set.of("task", "output_type", "dataset", "test_split", "validation_split",
            "training_split", "fewshot_split", "doc_to_text", "doc_to_choice", "doc_to_target", "description",
            "target_delimiter", "fewshot_delimiter", "num_fewshot", "fewshot_config", "metric_list", "metadata", "vars", "tag");
    static final Set<String> GROUP_FIELDS = Set.of("group", "task", "task_template", "vars", "aggregate_metric_list", "metadata");
    private static final Set<String> DATASET_FIELDS = Set.of("path", "files", "columns", "where");
    private static final Set<String> FEWSHOT_FIELDS = Set.of("sampler");
    private static final Set<String> METRIC_FIELDS = Set.of("metric", "aggregation", "higher_is_better");
    private static final Set<String> AGGREGATE_FIELDS = Set.of("metric", "aggregation", "weight_by_size");

    private final Optional<Path> dataDir;
    private final Map<String, Path> files = new LinkedHashMap<>(); // task or group name -> its YAML

    private TaskRegistry(Optional<Path> dataDir) {
        this.dataDir = dataDir;
    }

    /** Indexes every task and group file under {@code tasksDir}. */
    public static TaskRegistry scan(Path tasksDir, Optional<Path> dataDir) {
        if (!Files.isDirectory(tasksDir)) {
            throw new BadInputException("tasks folder " + tasksDir + " does not exist");
        }
        TaskRegistry registry = new TaskRegistry(dataDir);
        try (Stream<Path> walk = Files.walk(tasksDir)) {
            for (Path file : walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList()) {
                if (file.getFileName().toString().startsWith("_")) {
                    continue;
                }
                JsonNode root = readYaml(file);
                String name = root.has("group") ? text(root, "group", file) : text(root, "task", file);
                Path previous = registry.files.putIfAbsent(name, file);
                if (previous != null) {
                    throw new BadInputException(file + ": task name '" + name + "' is also defined in " + previous);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return registry;
    }

    /** Task and group names, in file order. */
    public List<String> names() {
        return List.copyOf(files.keySet());
    }

    /** The named tasks and groups; a group contributes its tasks and is reported as a group. */
    public TaskSelection select(List<String> names) {
        List<TaskDefinition> tasks = new ArrayList<>();
        List<TaskGroup> groups = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String name : names) {
            Path file = files.get(name);
            if (file == null) {
                throw new BadInputException("unknown task '" + name + "'" + DidYouMean.hint(name, files.keySet()) + "; known: " + String.join(", ", files.keySet()));
            }
            JsonNode root = readYaml(file);
            if (root.has("group")) {
                TaskGroup group = loadGroup(file, (ObjectNode) root);
                groups.add(group);
                group.tasks().stream().filter(t -> seen.add(t.name())).forEach(tasks::add);
            } else {
                TaskDefinition task = loadTask(file, (ObjectNode) root, Map.of());
                if (seen.add(task.name())) {
                    tasks.add(task);
                }
            }
        }
        return new TaskSelection(tasks, groups);
    }

    /** Loads one task YAML file (not a group), with dataset paths resolved against {@code dataDir} or the file's folder. */
    public static TaskDefinition loadTaskFile(Path file, Optional<Path> dataDir) {
        return new TaskRegistry(dataDir).loadTask(file, (ObjectNode) readYaml(file), Map.of());
    }

    private TaskGroup loadGroup(Path file, ObjectNode root) {
        checkFields(root, GROUP_FIELDS, file, "");
        String name = text(root, "group", file);
        List<TaskDefinition> tasks = new ArrayList<>();
        if (root.has("task")) {
            for (JsonNode t : list(root.get("task"), file, "task")) {
                String member = t.asText();
                Path memberFile = files.get(member);
                if (memberFile == null) {
                    throw new BadInputException(file + ": task: unknown task '" + member + "'" + DidYouMean.hint(member, files.keySet()));
                }
                JsonNode memberRoot = readYaml(memberFile);
                if (memberRoot.has("group")) {
                    tasks.addAll(loadGroup(memberFile, (ObjectNode) memberRoot).tasks());
                } else {
                    tasks.add(loadTask(memberFile, (ObjectNode) memberRoot, Map.of()));
                }
            }
        }
        if (root.has("task_template")) {
            Path templateFile = file.resolveSibling(text(root, "task_template", file));
            if (!Files.isRegularFile(templateFile)) {
                throw new BadInputException(file + ": task_template: no file " + templateFile);
            }
            JsonNode vars = root.get("vars");
            if (vars == null || !vars.isObject() || vars.size() != 1) {
                throw new BadInputException(file + ": vars: expected one variable with a list of values, e.g. {subject: [anatomy, virology]}");
            }
            String var = vars.fieldNames().next();
            ObjectNode template = (ObjectNode) readYaml(templateFile);
            for (JsonNode value : list(vars.get(var), file, "vars." + var)) {
                tasks.add(loadTask(templateFile, template, Map.of(var, value.asText())));
            }
        } else if (root.has("vars")) {
            throw new BadInputException(file + ": vars needs a task_template");
        }
        boolean weightBySize = false;
        if (root.has("aggregate_metric_list")) {
            weightBySize = true;
            for (JsonNode agg : list(root.get("aggregate_metric_list"), file, "aggregate_metric_list")) {
                checkFields(agg, AGGREGATE_FIELDS, file, "aggregate_metric_list.");
                weightBySize &= agg.path("weight_by_size").asBoolean(false);
            }
        }
        try {
            return new TaskGroup(name, file, tasks, weightBySize);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    private TaskDefinition loadTask(Path file, ObjectNode root, Map<String, Object> outerVars) {
        checkFields(root, TASK_FIELDS, file, "");
        Map<String, Object> vars = new LinkedHashMap<>(outerVars);
        if (root.has("vars")) {
            JsonNode v = root.get("vars");
            if (!v.isObject()) {
                throw new BadInputException(file + ": vars: expected a mapping of names to values");
            }
            v.fields().forEachRemaining(e -> vars.putIfAbsent(e.getKey(), e.getValue().asText()));
        }
        String name = substitute(text(root, "task", file), vars, file, "task");
        String outputType = root.path("output_type").asText("multiple_choice");
        if (!outputType.equals("multiple_choice")) {
            throw new BadInputException(file + ": output_type: only multiple_choice is supported, got '" + outputType + "'");
        }
        List<Metric> metrics = new ArrayList<>();
        if (root.has("metric_list")) {
            for (JsonNode m : list(root.get("metric_list"), file, "metric_list")) {
                checkFields(m, METRIC_FIELDS, file, "metric_list.");
                String key = m.path("metric").asText();
                Metric metric = Metric.byKey(key).orElseThrow(() -> new BadInputException(file + ": metric_list: unknown metric '"
                        + key + "'" + DidYouMean.hint(key, Metric.keys()) + "; supported: " + String.join(", ", Metric.keys())));
                String aggregation = m.path("aggregation").asText("mean");
                if (!aggregation.equals("mean")) {
                    throw new BadInputException(file + ": metric_list: aggregation '" + aggregation + "' is not supported (only mean)");
                }
                metrics.add(metric);
            }
        } else {
            metrics.add(Metric.ACC);
        }
        FewshotSampler sampler = new FewshotSampler.Seeded(FewshotSampler.DEFAULT_SEED);
        if (root.has("fewshot_config")) {
            JsonNode fc = root.get("fewshot_config");
            checkFields(fc, FEWSHOT_FIELDS, file, "fewshot_config.");
            String samplerName = fc.path("sampler").asText("default");
            if (!FewshotSampler.NAMES.contains(samplerName)) {
                throw new BadInputException(file + ": fewshot_config.sampler: unknown sampler '" + samplerName + "'" + DidYouMean.hint(samplerName, FewshotSampler.NAMES) + "; supported: " + FewshotSampler.NAMES);
            }
            sampler = FewshotSampler.named(samplerName, FewshotSampler.DEFAULT_SEED);
        }
        ChoiceSource choices = root.path("doc_to_choice").isArray()
                ? new ChoiceSource.Fixed(list(root.get("doc_to_choice"), file, "doc_to_choice").stream().map(JsonNode::asText).toList())
                : new ChoiceSource.Templated(template(root, "doc_to_choice", file));
        JsonNode fewshot = root.path("num_fewshot");
        if (!fewshot.isMissingNode() && !fewshot.canConvertToInt()) {
            throw new BadInputException(file + ": num_fewshot: expected an integer, got '" + fewshot.asText() + "'");
        }
        int numFewshot = fewshot.asInt(0);
        try {
            return new TaskDefinition(name, file, dataset(root, file, vars),
                    optionalText(root, "test_split"), optionalText(root, "validation_split"),
                    optionalText(root, "training_split"), optionalText(root, "fewshot_split"),
                    template(root, "doc_to_text", file), choices, template(root, "doc_to_target", file),
                    optionalText(root, "description").map(d -> new DocTemplate(file, "description", d)),
                    root.path("target_delimiter").asText(" "), root.path("fewshot_delimiter").asText("\n\n"),
                    numFewshot, sampler, metrics, vars);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    private DatasetSpec dataset(JsonNode root, Path file, Map<String, Object> vars) {
        JsonNode ds = root.get("dataset");
        if (ds == null || !ds.isObject()) {
            throw new BadInputException(file + ": dataset: expected {path: DIR, files: {SPLIT: FILE_OR_GLOB}}");
        }
        checkFields(ds, DATASET_FIELDS, file, "dataset.");
        Path base = dataDir.orElse(file.toAbsolutePath().getParent());
        Path dir = base.resolve(substitute(ds.path("path").asText("."), vars, file, "dataset.path")).normalize();
        JsonNode filesNode = ds.get("files");
        if (filesNode == null || !filesNode.isObject() || filesNode.isEmpty()) {
            throw new BadInputException(file + ": dataset.files: expected a mapping of split names to files, e.g. {test: test.jsonl}");
        }
        Map<String, String> splitFiles = new LinkedHashMap<>();
        filesNode.fields().forEachRemaining(e -> splitFiles.put(e.getKey(), substitute(e.getValue().asText(), vars, file, "dataset.files." + e.getKey())));
        List<String> columns = ds.has("columns") ? list(ds.get("columns"), file, "dataset.columns").stream().map(JsonNode::asText).toList() : List.of();
        Map<String, String> where = new LinkedHashMap<>();
        if (ds.has("where")) {
            ds.get("where").fields().forEachRemaining(e -> where.put(e.getKey(), substitute(e.getValue().asText(), vars, file, "dataset.where." + e.getKey())));
        }
        for (String split : List.of("test_split", "validation_split", "training_split", "fewshot_split")) {
            optionalText(root, split).filter(s -> !splitFiles.containsKey(s)).ifPresent(s -> {
                throw new BadInputException(file + ": " + split + ": split '" + s + "' has no file in dataset.files" + DidYouMean.hint(s, splitFiles.keySet()));
            });
        }
        return new DatasetSpec(dir, splitFiles, columns, where);
    }

    private static String substitute(String value, Map<String, Object> vars, Path file, String field) {
        return value.contains("{{") || value.contains("{%") ? new DocTemplate(file, field, value).render(vars, null) : value;
    }

    private static DocTemplate template(JsonNode root, String field, Path file) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull() || node.isContainerNode()) {
            throw new BadInputException(file + ": " + field + ": missing (expected a template string)");
        }
        return new DocTemplate(file, field, node.asText());
    }

    private static void checkFields(JsonNode node, Set<String> allowed, Path file, String prefix) {
        if (!node.isObject()) {
            throw new BadInputException(file + ": " + (prefix.isEmpty() ? "top level" : prefix) + ": expected a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new BadInputException(file + ": unknown field '" + prefix + key + "'" + DidYouMean.hint(key, allowed));
            }
        }
    }

    private static List<JsonNode> list(JsonNode node, Path file, String field) {
        if (!node.isArray()) {
            throw new BadInputException(file + ": " + field + ": expected a list");
        }
        List<JsonNode> out = new ArrayList<>();
        node.forEach(out::add);
        return out;
    }

    private static String text(JsonNode root, String field, Path file) {
        JsonNode node = root.get(field);
        if (node == null || !node.isValueNode()) {
            throw new BadInputException(file + ": " + field + ": missing or not a string");
        }
        return node.asText();
    }

    private static Optional<String> optionalText(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? Optional.empty() : Optional.of(node.asText());
    }

    private static JsonNode readYaml(Path file) {
        try {
            JsonNode root = YAML.readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw new BadInputException(file + ": expected a YAML mapping of task fields");
            }
            return root;
        } catch (JacksonException e) {
            throw new BadInputException(file + ": cannot read YAML: " + JsonFailure.describe(e), e);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read YAML: " + IoFailure.cause(file, e), e);
        }
    }
}
