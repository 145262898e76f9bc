package dev.amalgam.recipe;

import dev.amalgam.BadInputException;
import dev.amalgam.files.ConfigNode;
import dev.amalgam.safetensors.DType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads a mergekit merge YAML into a validated {@link MergeRecipe}. Every error is a one-line
 * {@link BadInputException} naming the file and the key path ({@code models[1].parameters.weight}).
 * Unknown keys are errors with a "did you mean" hint; keys mergekit accepts but Amalgam ignores
 * ({@code name}, {@code residual_weight}) are accepted.
 */
public final class RecipeParser {
    private static final List<String> TOP_KEYS = List.of("merge_method", "base_model", "models", "slices",
            "modules", "parameters", "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template",
            "random_seed", "name");
    private static final List<String> MODEL_KEYS = List.of("model", "parameters");
    private static final List<String> SLICE_KEYS = List.of("sources", "base_model", "parameters", "residual_weight");
    private static final List<String> SOURCE_KEYS = List.of("model", "layer_range", "parameters");
    private static final List<String> TOKENIZER_KEYS = List.of("source", "tokens", "pad_to_multiple_of");
    private static final List<String> TOKEN_KEYS = List.of("source", "force");
    private static final List<String> TOKEN_SOURCE_KEYS = List.of("kind", "model", "token", "token_id");
    private static final List<String> FILTER_KEYS = List.of("filter", "value");
    private static final String PARAMETER_EXPECTED = "a number, a boolean, a list of numbers or a filter list";
    private static final String RECIPE_EXPECTED = "a merge recipe (a YAML mapping with merge_method)";

    private final Path sourceFile;

    private RecipeParser(Path sourceFile) {
        this.sourceFile = sourceFile;
    }

    public static MergeRecipe parse(Path file) {
        return new RecipeParser(file).recipe(singleDocument(ConfigNode.readYamlDocuments(file, "a merge recipe"), file));
    }

    /**
     * Reads a recipe file of one or more YAML documents (mergekit-multi's format: each document a
     * merge, with {@code name:} on those that later ones refer to) into its stages in run order.
     */
    public static RecipeStages parseStages(Path file) {
        List<ConfigNode> docs = ConfigNode.readYamlDocuments(file, "a merge recipe");
        if (docs.size() <= 1) {
            return RecipeStages.of(List.of(new RecipeStages.Stage(null, parse(file))), file);
        }
        RecipeParser parser = new RecipeParser(file);
        List<RecipeStages.Stage> stages = new ArrayList<>();
        for (ConfigNode doc : docs) {
            ConfigNode root = doc.mapping(RECIPE_EXPECTED);
            String name = root.get("name").text("a stage name", null);
            stages.add(new RecipeStages.Stage(name, parser.recipe(root)));
        }
        return RecipeStages.of(stages, file);
    }

    /** Parses recipe text; {@code sourceFile} names it in errors and anchors relative model paths. */
    public static MergeRecipe parse(String yaml, Path sourceFile) {
        return new RecipeParser(sourceFile).recipe(singleDocument(ConfigNode.parseYamlDocuments(yaml, sourceFile), sourceFile));
    }

    private static ConfigNode singleDocument(List<ConfigNode> docs, Path sourceFile) {
        if (docs.size() > 1) {
            throw new BadInputException(sourceFile + ": has " + docs.size() + " YAML documents; a multi-document"
                    + " (mergekit-multi) recipe runs with amalgam merge, not here");
        }
        return (docs.isEmpty() ? ConfigNode.parseYaml("", sourceFile) : docs.getFirst()).mapping(RECIPE_EXPECTED);
    }

    private MergeRecipe recipe(ConfigNode root) {
        if (root.get("experts").isPresent() || root.get("gate_mode").isPresent()) {
            throw root.get(root.get("experts").isPresent() ? "experts" : "gate_mode").error("this is a mergekit-moe config"
                    + " (experts, gate_mode); Amalgam merges models of one architecture and does not build mixture-of-experts models");
        }
        root.checkKeys(TOP_KEYS);
        if (root.get("modules").isPresent()) {
            throw root.get("modules").error("multi-module recipes are not supported yet (use models or slices)");
        }
        boolean hasModels = root.get("models").isPresent();
        boolean hasSlices = root.get("slices").isPresent();
        if (hasModels == hasSlices) {
            throw hasModels ? root.get("slices").error("give either models or slices, not both")
                    : root.get("models").error("missing: a recipe needs models (or slices)");
        }
        String method = root.get("merge_method").text("a merge method name such as ties, linear or slerp");
        ModelRef base = root.get("base_model").isPresent() ? modelRef(root.get("base_model")) : null;
        List<ModelEntry> models = hasModels ? models(root.get("models")) : null;
        List<SliceSpec> slices = hasSlices ? slices(root.get("slices")) : null;
        Map<String, ParameterValue> parameters = parameters(root.get("parameters"));
        DType dtype = dtype(root.get("dtype"));
        DType outDtype = dtype(root.get("out_dtype"));
        TokenizerSettings tokenizer = tokenizer(root);
        Long seed = root.get("random_seed").isPresent() ? root.get("random_seed").longInteger("an integer") : null;
        String chatTemplate = root.get("chat_template").text("a template name or Jinja text", null);
        return new MergeRecipe(method, base, models, slices, parameters, dtype, outDtype, tokenizer, seed,
                chatTemplate, sourceFile);
    }

    private List<ModelEntry> models(ConfigNode node) {
        List<ModelEntry> entries = new ArrayList<>();
        for (ConfigNode entry : node.nonEmptyList("a list of {model, parameters}")) {
            entry.mapping("{model: <folder>, parameters: {...}}").checkKeys(MODEL_KEYS);
            entries.add(new ModelEntry(modelRef(entry.get("model")), parameters(entry.get("parameters"))));
        }
        return entries;
    }

    private List<SliceSpec> slices(ConfigNode node) {
        List<SliceSpec> slices = new ArrayList<>();
        for (ConfigNode slice : node.nonEmptyList("a list of {sources: [...]}")) {
            slice.mapping("{sources: [...], parameters: {...}}").checkKeys(SLICE_KEYS);
            List<SliceSource> sources = new ArrayList<>();
            for (ConfigNode source : slice.get("sources").nonEmptyList("a list of {model, layer_range}")) {
                sources.add(source(source));
            }
            for (int k = 1; k < sources.size(); k++) {
                if (sources.get(k).length() != sources.getFirst().length()) {
                    throw slice.get("sources").get(k).get("layer_range").error("spans " + sources.get(k).length()
                            + " layers but sources[0] spans " + sources.getFirst().length()
                            + " (every source of a slice must span the same number of layers)");
                }
            }
            ModelRef sliceBase = slice.get("base_model").isPresent() ? modelRef(slice.get("base_model")) : null;
            slices.add(new SliceSpec(sources, sliceBase, parameters(slice.get("parameters"))));
        }
        return slices;
    }

    private SliceSource source(ConfigNode node) {
        node.mapping("{model: <folder>, layer_range: [start, end]}").checkKeys(SOURCE_KEYS);
        ModelRef model = modelRef(node.get("model"));
        ConfigNode range = node.get("layer_range");
        String expected = "[start, end] with 0 <= start < end (end exclusive)";
        List<ConfigNode> ends = range.list(expected);
        if (ends.size() != 2 || !isInt(ends.get(0)) || !isInt(ends.get(1))) {
            throw range.expected(expected);
        }
        int start = ends.get(0).json().intValue();
        int end = ends.get(1).json().intValue();
        if (start < 0 || start >= end) {
            throw range.expected(expected);
        }
        return new SliceSource(model, start, end, parameters(node.get("parameters")));
    }

    private Map<String, ParameterValue> parameters(ConfigNode node) {
        Map<String, ParameterValue> values = new LinkedHashMap<>();
        node.optionalMapping("a mapping of parameter names to values").entries()
                .forEach((name, value) -> values.put(name, parameterValue(value)));
        return values;
    }

    private ParameterValue parameterValue(ConfigNode node) {
        if (node.isMapping()) {
            // mergekit also accepts a single {filter, value} mapping: a one-entry filter list
            return new ParameterValue.Filtered(List.of(filterEntry(node)));
        }
        if (node.isList() && !node.json().isEmpty() && allMatch(node, ConfigNode::isMapping)) {
            return new ParameterValue.Filtered(node.list(PARAMETER_EXPECTED).stream().map(this::filterEntry).toList());
        }
        return plainValue(node, PARAMETER_EXPECTED);
    }

    /** A scalar, a gradient (list of numbers) or a list of booleans/strings: a filter entry's value. */
    private ParameterValue plainValue(ConfigNode node, String expected) {
        if (node.isNumber() || node.isText() || node.json().isBoolean()) {
            return new ParameterValue.Scalar(scalar(node, expected));
        }
        if (node.isList() && !node.json().isEmpty() && allMatch(node, ConfigNode::isNumber)) {
            List<Double> values = new ArrayList<>();
            for (ConfigNode n : node.list(expected)) {
                values.add((Double) scalar(n, expected));
            }
            return new ParameterValue.Gradient(values);
        }
        if (node.isList() && !node.json().isEmpty() && allMatch(node, n -> n.json().isBoolean() || n.isText())) {
            List<Object> values = new ArrayList<>();
            for (ConfigNode n : node.list(expected)) {
                values.add(n.json().isBoolean() ? n.json().booleanValue() : n.json().textValue());
            }
            return new ParameterValue.ListValue(values);
        }
        throw node.expected(expected);
    }

    private Object scalar(ConfigNode node, String expected) {
        if (node.isNumber()) {
            double v = node.json().doubleValue();
            if (!Double.isFinite(v)) {
                throw node.expected(expected + " (finite)");
            }
            return v;
        }
        return node.json().isBoolean() ? (Object) node.json().booleanValue() : node.json().textValue();
    }

    private ParameterValue.FilterEntry filterEntry(ConfigNode node) {
        node.mapping("a {filter, value} entry").checkKeys(FILTER_KEYS);
        ConfigNode filter = node.get("filter");
        if (filter.isPresent() && !filter.isText()) {
            throw filter.expected("a tensor-name substring");
        }
        ConfigNode value = node.get("value");
        String expected = "a number, a boolean or a list of numbers";
        if (!value.isPresent()) {
            throw value.error("missing (expected " + expected + ")");
        }
        return new ParameterValue.FilterEntry(filter.isPresent() ? filter.json().textValue() : null,
                plainValue(value, expected));
    }

    private ModelRef modelRef(ConfigNode node) {
        if (node.isMapping()) {
            throw node.error("the object form of a model reference is not supported yet; give the folder as a string");
        }
        return ModelRef.parse(node.text("a model folder"), node.where());
    }

    private DType dtype(ConfigNode node) {
        return node.isPresent() ? DType.fromRecipe(node.text("bfloat16, float16 or float32"), node.where()) : null;
    }

    /** {@code tokenizer_source: X}, or the {@code tokenizer:} block as mergekit's TokenizerConfig reads it. */
    private TokenizerSettings tokenizer(ConfigNode root) {
        ConfigNode legacy = root.get("tokenizer_source");
        ConfigNode tok = root.get("tokenizer");
        if (legacy.isPresent() && tok.isPresent()) {
            throw tok.error("give tokenizer or tokenizer_source, not both");
        }
        if (legacy.isPresent()) {
            return TokenizerSettings.of(validTokenizerSource(legacy));
        }
        if (!tok.isPresent()) {
            return null;
        }
        tok.mapping("{source: base|union|<model>, tokens: {...}, pad_to_multiple_of: N}").checkKeys(TOKENIZER_KEYS);
        // mergekit's TokenizerConfig defaults source to "union"
        String source = tok.get("source").isPresent() ? validTokenizerSource(tok.get("source")) : TokenizerSettings.UNION;
        Map<String, TokenizerSettings.TokenEmbedding> tokens = new LinkedHashMap<>();
        tok.get("tokens").optionalMapping("a mapping of tokens to {source, force}").entries()
                .forEach((token, setting) -> tokens.put(token, tokenEmbedding(setting)));
        ConfigNode pad = tok.get("pad_to_multiple_of");
        Integer padTo = pad.isPresent() ? pad.integer("a positive integer") : null;
        return tok.build(() -> new TokenizerSettings(source, tokens, padTo));
    }

    private TokenizerSettings.TokenEmbedding tokenEmbedding(ConfigNode node) {
        node.mapping("{source: <model> | {kind: zero} | {kind: model_token, model, token | token_id}, force: bool}")
                .checkKeys(TOKEN_KEYS);
        ConfigNode source = node.get("source");
        if (!source.isPresent()) {
            throw source.error("missing (expected a model, {kind: zero} or {kind: model_token, model, token | token_id})");
        }
        TokenizerSettings.TokenSource from;
        if (!source.isMapping()) {
            from = new TokenizerSettings.TokenSource.Model(modelRef(source));
        } else {
            source.checkKeys(TOKEN_SOURCE_KEYS);
            String kind = source.get("kind").text("zero or model_token");
            from = switch (kind) {
                case "zero" -> new TokenizerSettings.TokenSource.Zero();
                case "model_token" -> {
                    ConfigNode token = source.get("token");
                    ConfigNode id = source.get("token_id");
                    if (token.isPresent() == id.isPresent()) {
                        throw source.error("give one of token and token_id");
                    }
                    ModelRef model = modelRef(source.get("model"));
                    yield node.build(() -> new TokenizerSettings.TokenSource.ModelToken(model,
                            token.isPresent() ? token.scalar("a token") : null,
                            id.isPresent() ? id.integer("a token id") : null));
                }
                default -> throw source.get("kind").expected("zero or model_token");
            };
        }
        boolean force = node.get("force").bool(false);
        return new TokenizerSettings.TokenEmbedding(from, force);
    }

    private String validTokenizerSource(ConfigNode node) {
        String source = node.text("base, union or a model folder");
        return source.equals("base") || source.equals("union") ? source : ModelRef.parse(source, node.where()).text();
    }

    private static boolean isInt(ConfigNode node) {
        return node.json().isIntegralNumber() && node.json().canConvertToInt();
    }

    private static boolean allMatch(ConfigNode list, Predicate<ConfigNode> test) {
        return list.list("a list").stream().allMatch(test);
    }
}
