package dev.amalgam.evolve.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.amalgam.BadInputException;
import dev.amalgam.DidYouMean;
import dev.amalgam.files.ConfigNode;
import dev.amalgam.llm.ScoringDtype;
import dev.amalgam.merge.MergeMethods;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.safetensors.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
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
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final List<String> TOP_KEYS = List.of("genome", "tasks", "search", "evaluation", "output",
            "limit", "num_fewshot", "shuffle", "random_init", "apply_chat_template", "fewshot_as_multiturn", "task_search_path");
    /** Keys {@code run.yaml} adds to the resolved config (see the journal format). */
    static final List<String> RUN_KEYS = List.of("amalgam_version", "java_version", "djl_version", "seed", "strategy",
            "started_at", "genes", "population", "generations", "parents");
    private static final List<String> GENOME_KEYS = List.of("models", "merge_method", "base_model", "tokenizer_source",
            "layer_granularity", "normalize", "allow_negative_weights", "filters", "smooth", "dtype");
    private static final List<String> TASK_KEYS = List.of("name", "weight", "metric");
    private static final List<String> SEARCH_KEYS = List.of("strategy", "population", "generations", "max_evaluations",
            "max_time", "seed", "steady_generations", "schedule");
    private static final List<String> EVALUATION_KEYS = List.of("tasks_dir", "data_dir", "limit", "subsample_seed",
            "num_fewshot", "batch_size", "search_split", "heldout_split", "rescore_top_k", "search_objective", "scoring_dtype",
            "fitness", "fitness_elite", "racing_block", "racing_error", "racing_bound", "anchor_items", "anchor_recheck",
            "anchor_calibration");
    private static final List<String> OUTPUT_KEYS = List.of("dir", "run_name");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([smhd]?)");
    private static final String INTEGER = "an integer";

    private final Path file;
    private final Path base; // relative paths resolve here first, then against the working directory
    private final Consumer<String> warnings;

    private SearchConfigYaml(Path file, Consumer<String> warnings) {
        this.file = file;
        this.base = file.toAbsolutePath().getParent();
        this.warnings = warnings;
    }

    /** Parses a search config file; warnings go to standard error. */
    public static SearchConfig parse(Path file) {
        return parse(file, w -> System.err.println("amalgam: warning: " + w));
    }

    /**
     * Parses a search config file. Unknown top-level keys are ignored with a warning each, as
     * mergekit-evolve ignores keys it does not know ({@code model_name}, ...); unknown keys inside the
     * blocks are errors.
     */
    public static SearchConfig parse(Path file, Consumer<String> warnings) {
        return new SearchConfigYaml(file, warnings).config(ConfigNode.readYaml(file, "a search config"), false);
    }

    /** Parses a run's {@code run.yaml} (the resolved config plus the run's metadata keys). */
    public static SearchConfig parseRun(Path runYaml) {
        return new SearchConfigYaml(runYaml, w -> { }).config(ConfigNode.readYaml(runYaml, "the run config written by amalgam evolve"), true);
    }

    static SearchConfig parse(String text, Path file, boolean runFile, Consumer<String> warnings) {
        return new SearchConfigYaml(file, warnings).config(ConfigNode.parseYaml(text, file), runFile);
    }

    /** Record rules (the settings' compact constructors) name their key from the top of the file. */
    private SearchConfig config(ConfigNode root, boolean runFile) {
        root.mapping("a mapping with genome: and tasks:");
        List<String> allowed = new ArrayList<>(TOP_KEYS);
        if (runFile) {
            allowed.addAll(RUN_KEYS);
        }
        if (runFile) {
            root.checkKeys(allowed);
        } else {
            root.entries().forEach((key, node) -> {
                if (!allowed.contains(key)) {
                    warnings.accept(node.where() + ": not a search config key; ignored, as mergekit-evolve ignores it"
                            + DidYouMean.hint(key, allowed));
                }
            });
        }
        GenomeSpec genomeSpec = genome(root, root.get("genome").mapping("a mapping with models: and merge_method:").checkKeys(GENOME_KEYS));
        List<TaskObjective> tasks = tasks(root);
        ConfigNode search = root.get("search").optionalMapping("a mapping of search settings").checkKeys(SEARCH_KEYS);
        ConfigNode evaluation = root.get("evaluation").optionalMapping("a mapping of evaluation settings").checkKeys(EVALUATION_KEYS);
        ConfigNode output = root.get("output").optionalMapping("a mapping of output settings").checkKeys(OUTPUT_KEYS);
        for (String key : List.of("shuffle", "random_init", "apply_chat_template", "fewshot_as_multiturn")) {
            root.get(key).bool(false); // accepted for mergekit-evolve compatibility; type-checked, not used
        }
        root.get("task_search_path").text("a folder", null);
        Strategy strategy = choice(search.get("strategy"), "strategy", Strategy.class, Strategy.GA);
        if (search.get("population").isPresent() && search.get("population").integer(INTEGER) == 0) {
            // 0 stands for "the strategy's default" inside; written out it is a mistake, not a request for the default.
            throw search.get("population").expected("at least 4 (or no population: key for the strategy's default)");
        }
        SearchSettings searchSettings = root.build(() -> new SearchSettings(strategy,
                search.get("population").integer(INTEGER, 0), search.get("generations").integer(INTEGER, 10),
                search.get("max_evaluations").integer(INTEGER, 0), duration(search.get("max_time")),
                search.get("seed").longInteger(INTEGER, 42L), search.get("steady_generations").integer(INTEGER, 0),
                choice(search.get("schedule"), "schedule", Schedule.class, Schedule.GENERATIONAL)));
        EvaluationSettings evaluationSettings = evaluation(root, evaluation);
        OutputSettings outputSettings = root.build(() -> new OutputSettings(path(output.get("dir"), "results", false),
                output.get("run_name").scalar("a folder name", null)));
        return root.build(() -> new SearchConfig(genomeSpec, tasks, searchSettings, evaluationSettings, outputSettings, file));
    }

    private GenomeSpec genome(ConfigNode root, ConfigNode g) {
        List<ModelRef> models = new ArrayList<>();
        for (ConfigNode m : g.get("models").list("a list of model paths")) {
            models.add(ModelRef.parse(m.text("a model path"), m.where()));
        }
        ConfigNode methodNode = g.get("merge_method");
        String method = MergeMethods.byName(methodNode.text("a merge method name"), methodNode.where()).name();
        ConfigNode baseNode = g.get("base_model");
        ModelRef baseModel = baseNode.isPresent() ? ModelRef.parse(baseNode.text("a model path"), baseNode.where()) : null;
        List<String> filters = g.get("filters").isPresent()
                ? g.get("filters").list("a list of tensor-name substrings").stream().map(f -> f.text("a tensor-name substring")).toList()
                : List.of();
        Boolean normalize = g.get("normalize").isPresent() ? g.get("normalize").bool(false) : null;
        ConfigNode dtypeNode = g.get("dtype");
        DType dtype = DType.fromRecipe(dtypeNode.text("a dtype", "bfloat16"), dtypeNode.where());
        ConfigNode tokenizerNode = g.get("tokenizer_source");
        String tokenizerSource = tokenizerNode.text("base or a model folder", null);
        if ("union".equals(tokenizerSource)) {
            throw tokenizerNode.error("union is not supported yet (use base or a model)");
        }
        return root.build(() -> new GenomeSpec(models, method, baseModel, tokenizerSource,
                g.get("layer_granularity").integer(INTEGER, 0), normalize, g.get("allow_negative_weights").bool(false),
                filters, g.get("smooth").bool(false), dtype));
    }

    private static List<TaskObjective> tasks(ConfigNode root) {
        List<TaskObjective> tasks = new ArrayList<>();
        for (ConfigNode t : root.get("tasks").nonEmptyList("a list of task names or {name, weight, metric} entries")) {
            if (t.isText()) {
                tasks.add(root.build(() -> new TaskObjective(t.text("a task name"), 1.0, "acc")));
            } else if (t.isMapping()) {
                t.checkKeys(TASK_KEYS);
                String name = t.get("name").text("a task name");
                double weight = t.get("weight").number("a number", 1.0);
                String metric = metric(t.get("metric"));
                tasks.add(root.build(() -> new TaskObjective(name, weight, metric)));
            } else {
                throw t.expected("a task name or {name, weight, metric}");
            }
        }
        return tasks;
    }

    /** lm-eval's {@code metric,filter}: only the {@code none} filter exists for multiple choice. */
    private static String metric(ConfigNode node) {
        String text = node.text("a metric", "acc,none");
        String[] parts = text.split(",", -1);
        if (parts.length > 2 || (parts.length == 2 && !parts[1].equals("none"))) {
            throw node.expected("'acc' or 'acc,none' (only the none filter)");
        }
        return parts[0].trim();
    }

    /** One of an enum's constants, spelled in lower case in the YAML ({@code what}: e.g. "strategy"). */
    private static <E extends Enum<E>> E choice(ConfigNode node, String what, Class<E> type, E fallback) {
        List<String> keys = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
        String s = node.text("a " + what + " name", fallback.name().toLowerCase(Locale.ROOT));
        try {
            return Enum.valueOf(type, s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw node.error("unknown " + what + " '" + s + "'" + DidYouMean.hint(s, keys) + "; expected one of " + keys);
        }
    }

    private static Duration duration(ConfigNode node) {
        if (!node.isPresent()) {
            return null;
        }
        if (node.isNumber()) {
            return Duration.ofMillis(Math.round(node.number("seconds") * 1000));
        }
        String expected = "seconds or a duration like 90s, 30m, 8h";
        Matcher m = DURATION.matcher(node.scalar(expected).trim());
        if (!m.matches()) {
            throw node.expected(expected);
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

    private EvaluationSettings evaluation(ConfigNode root, ConfigNode e) {
        // mergekit-evolve's top-level limit / num_fewshot; the evaluation block's keys win if both are set.
        for (String key : List.of("limit", "num_fewshot")) {
            if (root.get(key).isPresent() && e.get(key).isPresent()) {
                throw root.get(key).error("set both at the top level and in evaluation:; keep one");
            }
        }
        ConfigNode limitNode = e.get("limit").isPresent() ? e.get("limit") : root.get("limit");
        String limitExpected = "a positive number of documents per task (fractions are not supported: give a count)";
        int limit = limitNode.integer(limitExpected, 0);
        if (limitNode.isPresent() && limit < 1) {
            throw limitNode.expected(limitExpected);
        }
        ConfigNode fewshotNode = e.get("num_fewshot").isPresent() ? e.get("num_fewshot") : root.get("num_fewshot");
        Integer fewshot = fewshotNode.isPresent() ? fewshotNode.integer(INTEGER) : null;
        ConfigNode batchNode = e.get("batch_size");
        String batchExpected = "a positive integer or auto";
        int batch = batchNode.isText() && batchNode.text(batchExpected).equals("auto") ? 0 : batchNode.integer(batchExpected, 0);
        if (batchNode.isPresent() && !batchNode.isText() && batch < 1) {
            throw batchNode.expected(batchExpected);
        }
        Long subsample = e.get("subsample_seed").isPresent() ? e.get("subsample_seed").longInteger(INTEGER) : null;
        Path tasksDir = path(e.get("tasks_dir"), "eval-tasks", true);
        Path dataDir = e.get("data_dir").isPresent() ? path(e.get("data_dir"), null, false) : null;
        // heldout_split: null (written out) means no held-out split, so rescore_top_k defaults to 0 (a positive one is
        // refused); left out means "test".
        String heldout = e.get("heldout_split").json().isMissingNode() ? "test" : e.get("heldout_split").text("a split name", null);
        String objective = e.get("search_objective").text("metric, gold_probability or logprob_margin", "metric");
        String scoringDtype = e.get("scoring_dtype").text("float32, bfloat16, float16 or auto", "auto");
        FitnessMode mode = fitness(root, e);
        int rescore = e.get("rescore_top_k").integer(INTEGER, heldout == null ? 0 : 3);
        return root.build(() -> new EvaluationSettings(tasksDir, dataDir, limit, subsample, fewshot, batch,
                e.get("search_split").text("a split name", "validation"), heldout, rescore,
                EvaluationSettings.Objective.of(objective), ScoringDtype.of(scoringDtype, "evaluation.scoring_dtype"), mode));
    }

    /** {@code evaluation.fitness} and its parameters; a parameter of another mode is refused, not ignored. */
    private static FitnessMode fitness(ConfigNode root, ConfigNode e) {
        String key = e.get("fitness").text("full, racing or anchors", "full");
        FitnessMode defaults = root.build(() -> FitnessMode.of(key));
        List<String> own = switch (defaults) {
            case FitnessMode.Full f -> List.of();
            case FitnessMode.Racing r -> List.of("fitness_elite", "racing_block", "racing_error", "racing_bound");
            case FitnessMode.Anchors a -> List.of("fitness_elite", "anchor_items", "anchor_recheck", "anchor_calibration");
        };
        for (String k : List.of("fitness_elite", "racing_block", "racing_error", "racing_bound", "anchor_items", "anchor_recheck",
                "anchor_calibration")) {
            if (e.get(k).isPresent() && !own.contains(k)) {
                throw e.get(k).error("is not a parameter of fitness " + key);
            }
        }
        return root.build(() -> switch (defaults) {
            case FitnessMode.Full f -> f;
            case FitnessMode.Racing r -> new FitnessMode.Racing(e.get("racing_block").integer(INTEGER, r.block()),
                    e.get("racing_error").number("a probability in (0, 1)", r.error()),
                    FitnessMode.Bound.of(e.get("racing_bound").text("hoeffding or bernstein", r.bound().key())),
                    e.get("fitness_elite").integer(INTEGER, r.elite()));
            case FitnessMode.Anchors a -> new FitnessMode.Anchors(e.get("anchor_items").integer(INTEGER, a.items()),
                    e.get("anchor_recheck").integer(INTEGER, a.recheck()), e.get("fitness_elite").integer(INTEGER, a.elite()),
                    e.get("anchor_calibration").integer(INTEGER, a.calibration()));
        });
    }

    /** A path relative to the config's folder if it exists there, else to the working directory. */
    private Path path(ConfigNode node, String fallback, boolean mustExist) {
        String text = node.text("a folder", fallback);
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
            throw node.error("folder '" + text + "' not found (looked in " + base + " and the working directory)");
        }
        return cwd;
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
        search.put("schedule", s.schedule().key());
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
        ev.put("search_objective", e.searchObjective().key());
        ev.put("scoring_dtype", e.scoringDtype().key());
        ev.put("fitness", e.fitness().key());
        switch (e.fitness()) {
            case FitnessMode.Full f -> {
            }
            case FitnessMode.Racing r -> ev.put("fitness_elite", r.elite()).put("racing_block", r.block())
                    .put("racing_error", r.error()).put("racing_bound", r.bound().key());
            case FitnessMode.Anchors a -> ev.put("fitness_elite", a.elite()).put("anchor_items", a.items())
                    .put("anchor_recheck", a.recheck()).put("anchor_calibration", a.calibration());
        }
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
