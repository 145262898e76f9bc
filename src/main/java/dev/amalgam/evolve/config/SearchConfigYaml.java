package dev.amalgam.evolve.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.amalgam.BadInputException;
import dev.amalgam.DidYouMean;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.safetensors.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes search configs. mergekit-evolve's keys ({@code genome:}, {@code tasks:}, top-level {@code limit},
 * {@code num_fewshot}, {@code shuffle}, {@code random_init}, {@code apply_chat_template}, {@code fewshot_as_multiturn})
 * are accepted as is; Amalgam adds {@code search:}, {@code evaluation:} and {@code output:}. Unknown keys and
 * out-of-range values are {@link BadInputException}s that name the file and the key.
 */
public final class SearchConfigYaml {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final List<String> TOP_KEYS = List.of("genome", "tasks", "search", "evaluation", "output",
            "limit", "num_fewshot", "shuffle", "random_init", "apply_chat_template", "fewshot_as_multiturn", "task_search_path");
    /** Keys {@code run.yaml} adds to the resolved config (see the journal format). */
    static final List<String> RUN_KEYS = List.of("amalgam_version", "java_version", "djl_version", "seed", "strategy",
            "started_at", "genes", "population", "generations", "parents");
    private static final List<String> GENOME_KEYS = List.of("models", "merge_method", "base_model", "tokenizer_source",
            "layer_granularity", "normalize", "allow_negative_weights", "filters", "smooth", "dtype");
    private static final List<String> TASK_KEYS = List.of("name", "weight", "metric");
    private static final List<String> SEARCH_KEYS = List.of("strategy", "population", "generations", "max_evaluations",
            "max_time", "seed", "steady_generations");
    private static final List<String> EVALUATION_KEYS = List.of("tasks_dir", "data_dir", "limit", "subsample_seed",
            "num_fewshot", "batch_size", "search_split", "heldout_split", "rescore_top_k");
    private static final List<String> OUTPUT_KEYS = List.of("dir", "run_name");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([smhd]?)");

    private final Path file;
    private final Path base; // relative paths resolve here first, then against the working directory

    private SearchConfigYaml(Path file) {
        this.file = file;
        this.base = file.toAbsolutePath().getParent();
    }

    /** Parses a search config file. */
    public static SearchConfig parse(Path file) {
        return parse(read(file), file, false);
    }

    /** Parses a run's {@code run.yaml} (the resolved config plus the run's metadata keys). */
    public static SearchConfig parseRun(Path runYaml) {
        return parse(read(runYaml), runYaml, true);
    }

    static SearchConfig parse(String text, Path file, boolean runFile) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JacksonException e) {
            throw new BadInputException(file + ": not valid YAML (" + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file + ": expected a mapping with genome: and tasks:");
        }
        try {
            return new SearchConfigYaml(file).config((ObjectNode) root, runFile);
        } catch (BadInputException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new BadInputException(file + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": search config not found", e);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private SearchConfig config(ObjectNode root, boolean runFile) {
        List<String> allowed = new ArrayList<>(TOP_KEYS);
        if (runFile) {
            allowed.addAll(RUN_KEYS);
        }
        checkKeys(root, "", allowed);
        ObjectNode genome = object(root, "genome", true);
        checkKeys(genome, "genome.", GENOME_KEYS);
        GenomeSpec genomeSpec = genome(genome);
        List<TaskObjective> tasks = tasks(root.get("tasks"));
        ObjectNode search = object(root, "search", false);
        checkKeys(search, "search.", SEARCH_KEYS);
        ObjectNode evaluation = object(root, "evaluation", false);
        checkKeys(evaluation, "evaluation.", EVALUATION_KEYS);
        ObjectNode output = object(root, "output", false);
        checkKeys(output, "output.", OUTPUT_KEYS);
        for (String key : List.of("shuffle", "random_init", "apply_chat_template", "fewshot_as_multiturn")) {
            bool(root, key, false); // accepted for mergekit-evolve compatibility; type-checked, not used
        }
        if (root.has("task_search_path")) {
            text(root, "task_search_path", null);
        }
        Strategy strategy = strategy(search);
        SearchSettings searchSettings = new SearchSettings(strategy, integer(search, "search.population", "population", 0),
                integer(search, "search.generations", "generations", 10), integer(search, "search.max_evaluations", "max_evaluations", 0),
                duration(search), longValue(search, "search.seed", "seed", 42L), integer(search, "search.steady_generations", "steady_generations", 0));
        EvaluationSettings evaluationSettings = evaluation(root, evaluation);
        OutputSettings outputSettings = new OutputSettings(path(output, "output.dir", "dir", "results", false),
                text(output, "run_name", null));
        return new SearchConfig(genomeSpec, tasks, searchSettings, evaluationSettings, outputSettings, file);
    }

    private GenomeSpec genome(ObjectNode g) {
        JsonNode modelsNode = g.get("models");
        if (modelsNode == null || !modelsNode.isArray()) {
            throw new BadInputException("genome.models: expected a list of model paths");
        }
        List<ModelRef> models = new ArrayList<>();
        for (int i = 0; i < modelsNode.size(); i++) {
            models.add(ModelRef.parse(modelsNode.get(i).asText(), file + ": genome.models[" + i + "]"));
        }
        String method = text(g, "merge_method", null);
        if (method == null) {
            throw new BadInputException("genome.merge_method: required");
        }
        String baseText = text(g, "base_model", null);
        List<String> filters = new ArrayList<>();
        if (g.hasNonNull("filters")) {
            if (!g.get("filters").isArray()) {
                throw new BadInputException("genome.filters: expected a list of tensor-name substrings");
            }
            g.get("filters").forEach(f -> filters.add(f.asText()));
        }
        Boolean normalize = g.hasNonNull("normalize") ? bool(g, "normalize", false) : null;
        String dtypeText = text(g, "dtype", "bfloat16");
        DType dtype = DType.fromRecipe(dtypeText, file + ": genome.dtype");
        return new GenomeSpec(models, method, baseText == null ? null : ModelRef.parse(baseText, file + ": genome.base_model"),
                text(g, "tokenizer_source", null), integer(g, "genome.layer_granularity", "layer_granularity", 0), normalize,
                bool(g, "allow_negative_weights", false), filters, bool(g, "smooth", false), dtype);
    }

    private List<TaskObjective> tasks(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new BadInputException("tasks: expected a list of task names or {name, weight, metric} entries");
        }
        List<TaskObjective> tasks = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode t = node.get(i);
            if (t.isTextual()) {
                tasks.add(new TaskObjective(t.asText(), 1.0, "acc"));
            } else if (t.isObject()) {
                checkKeys((ObjectNode) t, "tasks[" + i + "].", TASK_KEYS);
                String name = text(t, "name", null);
                if (name == null) {
                    throw new BadInputException("tasks[" + i + "].name: required");
                }
                tasks.add(new TaskObjective(name, number(t, "tasks[" + i + "].weight", "weight", 1.0), metric(text(t, "metric", "acc,none"), i)));
            } else {
                throw new BadInputException("tasks[" + i + "]: expected a task name or {name, weight, metric}");
            }
        }
        return tasks;
    }

    /** lm-eval's {@code metric,filter}: only the {@code none} filter exists for multiple choice. */
    private static String metric(String text, int i) {
        String[] parts = text.split(",", -1);
        if (parts.length > 2 || (parts.length == 2 && !parts[1].equals("none"))) {
            throw new BadInputException("tasks[" + i + "].metric: expected 'acc' or 'acc,none' (only the none filter), got '" + text + "'");
        }
        return parts[0].trim();
    }

    private static Strategy strategy(ObjectNode search) {
        String s = search.path("strategy").asText("ga");
        try {
            return Strategy.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadInputException("search.strategy: unknown strategy '" + s + "'" + DidYouMean.hint(s, Strategy.keys())
                    + "; expected one of " + Strategy.keys(), e);
        }
    }

    private static Duration duration(ObjectNode search) {
        JsonNode n = search.get("max_time");
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            return Duration.ofMillis(Math.round(n.asDouble() * 1000));
        }
        Matcher m = DURATION.matcher(n.asText().trim());
        if (!m.matches()) {
            throw new BadInputException("search.max_time: expected seconds or a duration like 90s, 30m, 8h, got '" + n.asText() + "'");
        }
        double amount = Double.parseDouble(m.group(1));
        double seconds = switch (m.group(2)) {
            case "m" -> amount * 60;
            case "h" -> amount * 3600;
            case "d" -> amount * 86400;
            default -> amount;
        };
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private EvaluationSettings evaluation(ObjectNode root, ObjectNode e) {
        // mergekit-evolve's top-level limit / num_fewshot; the evaluation block's keys win if both are set.
        for (String key : List.of("limit", "num_fewshot")) {
            if (root.hasNonNull(key) && e.hasNonNull(key)) {
                throw new BadInputException(key + ": set both at the top level and in evaluation:; keep one");
            }
        }
        JsonNode limitNode = e.hasNonNull("limit") ? e.get("limit") : root.get("limit");
        int limit = 0;
        if (limitNode != null && !limitNode.isNull()) {
            if (!limitNode.canConvertToExactIntegral() || limitNode.asLong() < 1 || limitNode.asLong() > Integer.MAX_VALUE) {
                throw new BadInputException("evaluation.limit: expected a positive number of documents per task, got " + limitNode
                        + " (fractions are not supported: give a count)");
            }
            limit = limitNode.asInt();
        }
        JsonNode fewshotNode = e.hasNonNull("num_fewshot") ? e.get("num_fewshot") : root.get("num_fewshot");
        Integer fewshot = null;
        if (fewshotNode != null && !fewshotNode.isNull()) {
            if (!fewshotNode.canConvertToExactIntegral()) {
                throw new BadInputException("evaluation.num_fewshot: expected an integer, got " + fewshotNode);
            }
            fewshot = fewshotNode.asInt();
        }
        int batch = 0;
        JsonNode b = e.get("batch_size");
        if (b != null && !b.isNull() && !b.asText().equals("auto")) {
            if (!b.canConvertToExactIntegral() || b.asInt() < 1) {
                throw new BadInputException("evaluation.batch_size: expected a positive integer or auto, got " + b);
            }
            batch = b.asInt();
        }
        Long subsample = e.hasNonNull("subsample_seed") ? longValue(e, "evaluation.subsample_seed", "subsample_seed", 0L) : null;
        return new EvaluationSettings(path(e, "evaluation.tasks_dir", "tasks_dir", "eval-tasks", true),
                e.hasNonNull("data_dir") ? path(e, "evaluation.data_dir", "data_dir", null, false) : null, limit, subsample, fewshot, batch,
                text(e, "search_split", "validation"), e.has("heldout_split") ? text(e, "heldout_split", null) : "test",
                integer(e, "evaluation.rescore_top_k", "rescore_top_k", 3));
    }

    /** A path relative to the config's folder if it exists there, else to the working directory. */
    private Path path(JsonNode node, String where, String key, String fallback, boolean mustExist) {
        String text = text(node, key, fallback);
        Path given = Path.of(text);
        if (given.isAbsolute()) {
            return given.normalize();
        }
        Path besideConfig = base.resolve(given).normalize();
        if (Files.exists(besideConfig)) {
            return besideConfig;
        }
        Path cwd = given.toAbsolutePath().normalize();
        if (mustExist && !Files.isDirectory(cwd)) {
            throw new BadInputException(where + ": folder '" + text + "' not found (looked in " + base + " and the working directory)");
        }
        return cwd;
    }

    private static ObjectNode object(JsonNode root, String key, boolean required) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (required) {
                throw new BadInputException(key + ": required");
            }
            return JsonNodeFactory.instance.objectNode();
        }
        if (!n.isObject()) {
            throw new BadInputException(key + ": expected a mapping");
        }
        return (ObjectNode) n;
    }

    private static void checkKeys(ObjectNode node, String prefix, List<String> allowed) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!allowed.contains(k)) {
                throw new BadInputException(prefix + k + ": unknown key" + DidYouMean.hint(k, allowed) + "; expected one of " + allowed);
            }
        }
    }

    private static String text(JsonNode node, String key, String fallback) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isValueNode()) {
            throw new BadInputException(key + ": expected a single value, got " + n);
        }
        return n.asText();
    }

    private static boolean bool(JsonNode node, String key, boolean fallback) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw new BadInputException(key + ": expected true or false, got " + n);
        }
        return n.asBoolean();
    }

    private static int integer(JsonNode node, String where, String key, int fallback) {
        long v = longValue(node, where, key, (long) fallback);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new BadInputException(where + ": out of range: " + v);
        }
        return (int) v;
    }

    private static long longValue(JsonNode node, String where, String key, Long fallback) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToExactIntegral()) {
            throw new BadInputException(where + ": expected an integer, got " + n);
        }
        return n.asLong();
    }

    private static double number(JsonNode node, String where, String key, double fallback) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw new BadInputException(where + ": expected a number, got " + n);
        }
        return n.asDouble();
    }

    /** The resolved config as a YAML tree (absolute paths), the body of {@code run.yaml}. */
    public static ObjectNode toTree(SearchConfig c) {
        ObjectNode root = YAML.createObjectNode();
        ObjectNode g = root.putObject("genome");
        GenomeSpec genome = c.genome();
        Path dir = c.file().toAbsolutePath().getParent();
        ArrayNode models = g.putArray("models");
        genome.models().forEach(m -> models.add(m.resolve(dir, c.file() + ": genome.models").toString()));
        g.put("merge_method", genome.mergeMethod());
        if (genome.baseModel() != null) {
            g.put("base_model", genome.baseModel().resolve(dir, c.file() + ": genome.base_model").toString());
        }
        if (genome.tokenizerSource() != null) {
            g.put("tokenizer_source", genome.tokenizerSource());
        }
        g.put("layer_granularity", genome.layerGranularity());
        g.put("normalize", genome.effectiveNormalize());
        g.put("allow_negative_weights", genome.allowNegativeWeights());
        ArrayNode filters = g.putArray("filters");
        genome.filters().forEach(filters::add);
        g.put("smooth", genome.smooth());
        g.put("dtype", genome.dtype().torchName());
        ArrayNode tasks = root.putArray("tasks");
        for (TaskObjective t : c.tasks()) {
            tasks.addObject().put("name", t.name()).put("weight", t.weight()).put("metric", t.metric() + ",none");
        }
        SearchSettings s = c.search();
        ObjectNode search = root.putObject("search");
        search.put("strategy", s.strategy().key());
        if (s.population() > 0) {
            search.put("population", s.population());
        }
        search.put("generations", s.generations());
        search.put("max_evaluations", s.maxEvaluations());
        if (s.maxTime() != null) {
            search.put("max_time", s.maxTime().toMillis() / 1000.0);
        }
        search.put("seed", s.seed());
        search.put("steady_generations", s.steadyGenerations());
        EvaluationSettings e = c.evaluation();
        ObjectNode ev = root.putObject("evaluation");
        ev.put("tasks_dir", e.tasksDir().toString());
        if (e.dataDir() != null) {
            ev.put("data_dir", e.dataDir().toString());
        }
        if (e.limit() > 0) {
            ev.put("limit", e.limit());
        }
        if (e.subsampleSeed() != null) {
            ev.put("subsample_seed", e.subsampleSeed());
        }
        if (e.numFewshot() != null) {
            ev.put("num_fewshot", e.numFewshot());
        }
        if (e.batchSize() > 0) {
            ev.put("batch_size", e.batchSize());
        }
        ev.put("search_split", e.searchSplit());
        ev.putPOJO("heldout_split", e.heldoutSplit());
        ev.put("rescore_top_k", e.rescoreTopK());
        ObjectNode out = root.putObject("output");
        out.put("dir", c.output().dir().toString());
        if (c.output().runName() != null) {
            out.put("run_name", c.output().runName());
        }
        return root;
    }

    public static String write(JsonNode tree) {
        try {
            return YAML.writeValueAsString(tree);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
