package dev.amalgam.eval;

import dev.amalgam.BadInputException;
import dev.amalgam.DidYouMean;
import dev.amalgam.files.ConfigNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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
 * As in lm-eval, every name selects: a task, a group, a subtask a group instantiates ({@code mmlu_abstract_algebra})
 * or a {@code tag} (all tasks carrying it, e.g. {@code ai2_arc}, run as tasks without a group aggregate).
 * Dataset paths resolve against the data folder if one is given, else against the task file's folder.
 */
public final class TaskRegistry {
    static final List<String> TASK_FIELDS = List.of("task", "output_type", "dataset", "test_split", "validation_split",
            "training_split", "fewshot_split", "doc_to_text", "doc_to_choice", "doc_to_target", "description",
            "target_delimiter", "fewshot_delimiter", "num_fewshot", "fewshot_config", "metric_list", "metadata", "vars", "tag");
    static final List<String> GROUP_FIELDS = List.of("group", "task", "task_template", "vars", "aggregate_metric_list", "metadata");
    private static final List<String> DATASET_FIELDS = List.of("path", "files", "columns", "where");
    private static final List<String> FEWSHOT_FIELDS = List.of("sampler");
    private static final List<String> METRIC_FIELDS = List.of("metric", "aggregation", "higher_is_better");
    private static final List<String> AGGREGATE_FIELDS = List.of("metric", "aggregation", "weight_by_size");
    private static final List<String> SPLIT_FIELDS = List.of("test_split", "validation_split", "training_split", "fewshot_split");

    private final Optional<Path> dataDir;
    private final Map<String, Path> files = new LinkedHashMap<>(); // task or group name -> its YAML
    private final Map<String, Subtask> subtasks = new LinkedHashMap<>(); // templated task name -> how to build it
    private final Map<String, List<String>> tags = new LinkedHashMap<>(); // tag -> task names carrying it

    /** One task a group instantiates from its {@code task_template} with {@code vars}. */
    private record Subtask(ConfigNode template, Map<String, Object> vars) {
    }

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
                registry.index(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (var subtask : registry.subtasks.entrySet()) {
            Path clash = registry.files.get(subtask.getKey());
            if (clash != null) {
                throw new BadInputException(clash + ": task '" + subtask.getKey() + "' is also instantiated by " + subtask.getValue().template().file());
            }
        }
        return registry;
    }

    private void index(Path file) {
        ConfigNode root = readYaml(file);
        ConfigNode nameNode = isGroup(root) ? root.get("group") : root.get("task");
        String name = nameNode.scalar("a task name");
        Path previous = files.putIfAbsent(name, file);
        if (previous != null) {
            throw nameNode.error("'" + name + "' is also defined in " + previous);
        }
        if (isGroup(root)) {
            for (Subtask subtask : templated(root)) {
                String taskName = taskName(subtask.template(), subtask.vars());
                Subtask other = subtasks.putIfAbsent(taskName, subtask);
                if (other != null) {
                    throw root.get("task_template").error("task '" + taskName + "' is also instantiated by " + other.template().file());
                }
            }
        } else {
            for (ConfigNode tag : root.get("tag").isList() ? root.get("tag").list("a list of tags") : List.of(root.get("tag"))) {
                if (tag.isPresent()) {
                    tags.computeIfAbsent(tag.scalar("a tag name"), t -> new ArrayList<>()).add(name);
                }
            }
        }
    }

    /** Task and group names, in file order. */
    public List<String> names() {
        return List.copyOf(files.keySet());
    }

    /** Tags ({@code tag:} in task files) and the tasks carrying each, in file order. */
    public Map<String, List<String>> tags() {
        return Collections.unmodifiableMap(tags);
    }

    /**
     * The named tasks, groups, subtasks and tags (lm-eval's names); a group contributes its tasks and is reported as a
     * group, a tag its tasks only. A task named twice (directly and through a group) is scored once.
     */
    public TaskSelection select(List<String> names) {
        List<TaskDefinition> tasks = new ArrayList<>();
        List<TaskGroup> groups = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String name : names) {
            Path file = files.get(name);
            ConfigNode root = file == null ? null : readYaml(file);
            if (root != null && isGroup(root)) {
                TaskGroup group = loadGroup(root);
                groups.add(group);
                group.tasks().stream().filter(t -> seen.add(t.name())).forEach(tasks::add);
            } else if (file != null || subtasks.containsKey(name)) {
                TaskDefinition task = loadTask(name);
                if (seen.add(task.name())) {
                    tasks.add(task);
                }
            } else if (tags.containsKey(name)) {
                tags.get(name).stream().filter(seen::add).map(this::loadTask).forEach(tasks::add);
            } else {
                Set<String> all = new LinkedHashSet<>(files.keySet());
                all.addAll(subtasks.keySet());
                all.addAll(tags.keySet());
                List<String> known = new ArrayList<>(files.keySet());
                known.addAll(tags.keySet());
                throw new BadInputException("unknown task '" + name + "'" + DidYouMean.hint(name, all) + "; known: " + String.join(", ", known)
                        + (subtasks.isEmpty() ? "" : " and their " + subtasks.size() + " subtasks (e.g. " + subtasks.keySet().iterator().next() + ")"));
            }
        }
        return new TaskSelection(tasks, groups);
    }

    private TaskDefinition loadTask(String name) {
        Subtask subtask = subtasks.get(name);
        return subtask != null ? loadTask(subtask.template(), subtask.vars()) : loadTask(readYaml(files.get(name)), Map.of());
    }

    /** Loads one task YAML file (not a group), with dataset paths resolved against {@code dataDir} or the file's folder. */
    public static TaskDefinition loadTaskFile(Path file, Optional<Path> dataDir) {
        return new TaskRegistry(dataDir).loadTask(readYaml(file), Map.of());
    }

    /** {@code metadata.version} of a task, template or group file (lm-eval's {@code versions} entry), if it has one. */
    static Optional<Double> version(Path file) {
        ConfigNode version = readYaml(file).get("metadata").get("version");
        return version.isPresent() ? Optional.of(version.number("a version number")) : Optional.empty();
    }

    private static boolean isGroup(ConfigNode root) {
        return root.get("group").isPresent();
    }

    private TaskGroup loadGroup(ConfigNode root) {
        root.checkKeys(GROUP_FIELDS);
        String name = root.get("group").scalar("a group name");
        List<TaskDefinition> tasks = new ArrayList<>();
        if (root.get("task").isPresent()) {
            for (ConfigNode t : root.get("task").list("a list of task names")) {
                String member = t.scalar("a task name");
                Path memberFile = files.get(member);
                if (memberFile == null && !subtasks.containsKey(member)) {
                    throw t.error("unknown task '" + member + "'" + DidYouMean.hint(member, files.keySet()));
                }
                if (memberFile != null && isGroup(readYaml(memberFile))) {
                    tasks.addAll(loadGroup(readYaml(memberFile)).tasks());
                } else {
                    tasks.add(loadTask(member));
                }
            }
        }
        templated(root).forEach(subtask -> tasks.add(loadTask(subtask.template(), subtask.vars())));
        boolean weightBySize = false;
        if (root.get("aggregate_metric_list").isPresent()) {
            weightBySize = true;
            for (ConfigNode agg : root.get("aggregate_metric_list").list("a list of {metric, aggregation, weight_by_size}")) {
                agg.checkKeys(AGGREGATE_FIELDS);
                weightBySize &= agg.get("weight_by_size").bool(false);
            }
        }
        boolean bySize = weightBySize;
        return root.build(() -> new TaskGroup(name, root.file(), tasks, bySize));
    }

    /** The tasks a group's {@code task_template} makes, one per value of its single {@code vars} entry; none without a template. */
    private static List<Subtask> templated(ConfigNode group) {
        ConfigNode vars = group.get("vars");
        if (!group.get("task_template").isPresent()) {
            if (vars.isPresent()) {
                throw vars.error("needs a task_template");
            }
            return List.of();
        }
        ConfigNode templateNode = group.get("task_template");
        Path templateFile = group.file().resolveSibling(templateNode.scalar("a template file name"));
        if (!Files.isRegularFile(templateFile)) {
            throw templateNode.error("no file " + templateFile);
        }
        String expected = "one variable with a list of values, e.g. {subject: [anatomy, virology]}";
        if (vars.optionalMapping(expected).entries().size() != 1) {
            throw vars.expected(expected);
        }
        Map.Entry<String, ConfigNode> var = vars.entries().entrySet().iterator().next();
        ConfigNode template = readYaml(templateFile);
        return var.getValue().list("a list of values").stream()
                .map(value -> new Subtask(template, Map.<String, Object>of(var.getKey(), value.scalar("a value")))).toList();
    }

    /** The template's own {@code vars} under the instantiating ones. */
    private static Map<String, Object> taskVars(ConfigNode root, Map<String, Object> outerVars) {
        Map<String, Object> vars = new LinkedHashMap<>(outerVars);
        root.get("vars").optionalMapping("a mapping of names to values").entries()
                .forEach((name, value) -> vars.putIfAbsent(name, value.scalar("a value")));
        return vars;
    }

    private static String taskName(ConfigNode root, Map<String, Object> outerVars) {
        return substitute(root.get("task"), "a task name", null, taskVars(root, outerVars));
    }

    private TaskDefinition loadTask(ConfigNode root, Map<String, Object> outerVars) {
        root.checkKeys(TASK_FIELDS);
        Path file = root.file();
        Map<String, Object> vars = taskVars(root, outerVars);
        String name = taskName(root, outerVars);
        ConfigNode outputType = root.get("output_type");
        if (!outputType.scalar("an output type", "multiple_choice").equals("multiple_choice")) {
            throw outputType.expected("multiple_choice (the only output type supported)");
        }
        List<Metric> metrics = new ArrayList<>();
        if (root.get("metric_list").isPresent()) {
            for (ConfigNode m : root.get("metric_list").list("a list of {metric, aggregation}")) {
                m.checkKeys(METRIC_FIELDS);
                String key = m.get("metric").scalar("a metric name");
                metrics.add(Metric.byKey(key).orElseThrow(() -> m.get("metric").error("unknown metric '" + key + "'"
                        + DidYouMean.hint(key, Metric.keys()) + "; supported: " + String.join(", ", Metric.keys()))));
                ConfigNode aggregation = m.get("aggregation");
                if (!aggregation.scalar("an aggregation", "mean").equals("mean")) {
                    throw aggregation.expected("mean (the only aggregation supported)");
                }
            }
        } else {
            metrics.add(Metric.ACC);
        }
        FewshotSampler sampler = new FewshotSampler.Seeded(FewshotSampler.DEFAULT_SEED);
        if (root.get("fewshot_config").isPresent()) {
            ConfigNode samplerNode = root.get("fewshot_config").checkKeys(FEWSHOT_FIELDS).get("sampler");
            String samplerName = samplerNode.scalar("a sampler name", "default");
            if (!FewshotSampler.NAMES.contains(samplerName)) {
                throw samplerNode.error("unknown sampler '" + samplerName + "'" + DidYouMean.hint(samplerName, FewshotSampler.NAMES)
                        + "; supported: " + FewshotSampler.NAMES);
            }
            sampler = FewshotSampler.named(samplerName, FewshotSampler.DEFAULT_SEED);
        }
        ConfigNode choiceNode = root.get("doc_to_choice");
        ChoiceSource choices = choiceNode.isList()
                ? new ChoiceSource.Fixed(choiceNode.list("a list").stream().map(c -> c.scalar("a choice")).toList())
                : new ChoiceSource.Templated(template(root.get("doc_to_choice")));
        int numFewshot = root.get("num_fewshot").integer("an integer", 0);
        FewshotSampler fewshotSampler = sampler;
        return root.build(() -> new TaskDefinition(name, file, dataset(root, vars),
                split(root, "test_split"), split(root, "validation_split"),
                split(root, "training_split"), split(root, "fewshot_split"),
                template(root.get("doc_to_text")), choices, template(root.get("doc_to_target")),
                root.get("description").isPresent() ? Optional.of(template(root.get("description"))) : Optional.empty(),
                root.get("target_delimiter").scalar("a delimiter", " "),
                root.get("fewshot_delimiter").scalar("a delimiter", "\n\n"),
                numFewshot, fewshotSampler, metrics, vars));
    }

    private DatasetSpec dataset(ConfigNode root, Map<String, Object> vars) {
        ConfigNode ds = root.get("dataset").mapping("{path: DIR, files: {SPLIT: FILE_OR_GLOB}}").checkKeys(DATASET_FIELDS);
        Path base = dataDir.orElse(root.file().toAbsolutePath().getParent());
        Path dir = base.resolve(substitute(ds.get("path"), "a folder", ".", vars)).normalize();
        ConfigNode filesNode = ds.get("files");
        String filesExpected = "a mapping of split names to files, e.g. {test: test.jsonl}";
        if (filesNode.mapping(filesExpected).entries().isEmpty()) {
            throw filesNode.expected(filesExpected);
        }
        Map<String, String> splitFiles = new LinkedHashMap<>();
        filesNode.entries().forEach((split, f) -> splitFiles.put(split, substitute(f, "a file name or glob", null, vars)));
        List<String> columns = ds.get("columns").isPresent()
                ? ds.get("columns").list("a list of column names").stream().map(c -> c.scalar("a column name")).toList() : List.of();
        Map<String, String> where = new LinkedHashMap<>();
        ds.get("where").optionalMapping("a mapping of fields to values").entries()
                .forEach((field, value) -> where.put(field, substitute(value, "a value", null, vars)));
        for (String splitField : SPLIT_FIELDS) {
            split(root, splitField).filter(s -> !splitFiles.containsKey(s)).ifPresent(s -> {
                throw root.get(splitField).error("split '" + s + "' has no file in dataset.files" + DidYouMean.hint(s, splitFiles.keySet()));
            });
        }
        return new DatasetSpec(dir, splitFiles, columns, where);
    }

    private static Optional<String> split(ConfigNode root, String field) {
        return Optional.ofNullable(root.get(field).scalar("a split name", null));
    }

    /** A value (required when {@code fallback} is null) that may hold {@code {{var}}} placeholders, rendered with the task's variables. */
    private static String substitute(ConfigNode node, String expected, String fallback, Map<String, Object> vars) {
        String value = fallback == null ? node.scalar(expected) : node.scalar(expected, fallback);
        return value.contains("{{") || value.contains("{%")
                ? new DocTemplate(node.file(), node.keyPath(), value).render(vars, null) : value;
    }

    private static DocTemplate template(ConfigNode node) {
        return new DocTemplate(node.file(), node.keyPath(), node.scalar("a template string"));
    }

    private static ConfigNode readYaml(Path file) {
        return ConfigNode.readYaml(file, "a task YAML").mapping("a YAML mapping of task fields");
    }
}
