package dev.amalgam.recipe;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.amalgam.BadInputException;
import dev.amalgam.DidYouMean;
import dev.amalgam.safetensors.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
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
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final List<String> TOP_KEYS = List.of("merge_method", "base_model", "models", "slices",
            "modules", "parameters", "dtype", "out_dtype", "tokenizer_source", "tokenizer", "chat_template",
            "random_seed", "name");
    private static final List<String> MODEL_KEYS = List.of("model", "parameters");
    private static final List<String> SLICE_KEYS = List.of("sources", "base_model", "parameters", "residual_weight");
    private static final List<String> SOURCE_KEYS = List.of("model", "layer_range", "parameters");
    private static final List<String> TOKENIZER_KEYS = List.of("source", "tokens", "pad_to_multiple_of");
    private static final List<String> FILTER_KEYS = List.of("filter", "value");
    private static final String PARAMETER_EXPECTED =
            "expected a number, a boolean, a list of numbers or a filter list";

    private final Path sourceFile;

    private RecipeParser(Path sourceFile) {
        this.sourceFile = sourceFile;
    }

    public static MergeRecipe parse(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": recipe file not found", e);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read the recipe (" + e.getMessage() + ")", e);
        }
        return parse(text, file);
    }

    /** Parses recipe text; {@code sourceFile} names it in errors and anchors relative model paths. */
    public static MergeRecipe parse(String yaml, Path sourceFile) {
        return new RecipeParser(sourceFile).recipe(readSingleDocument(yaml, sourceFile));
    }

    private static JsonNode readSingleDocument(String yaml, Path sourceFile) {
        // read document by document: MappingIterator would unwrap a top-level list into values
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser parser = YAML.createParser(yaml)) {
            while (parser.nextToken() != null) {
                docs.add(YAML.readTree(parser));
            }
        } catch (JacksonException e) {
            throw new BadInputException(sourceFile + ": invalid YAML: "
                    + e.getOriginalMessage().lines().findFirst().orElse("") + lineOf(e), e);
        } catch (IOException e) {
            throw new BadInputException(sourceFile + ": cannot read the recipe (" + e.getMessage() + ")", e);
        }
        if (docs.size() > 1) {
            throw new BadInputException(sourceFile + ": has " + docs.size() + " YAML documents; multi-document"
                    + " (mergekit-multi) recipes are not supported yet");
        }
        if (docs.isEmpty() || !docs.getFirst().isObject()) {
            throw new BadInputException(sourceFile + ": expected a merge recipe (a YAML mapping with merge_method), got "
                    + (docs.isEmpty() ? "an empty file" : describe(docs.getFirst())));
        }
        return docs.getFirst();
    }

    private static String lineOf(JacksonException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    }

    private MergeRecipe recipe(JsonNode root) {
        checkKeys(root, "", TOP_KEYS);
        if (root.has("modules")) {
            throw error("modules", "multi-module recipes are not supported yet (use models or slices)");
        }
        boolean hasModels = present(root, "models");
        boolean hasSlices = present(root, "slices");
        if (hasModels == hasSlices) {
            throw error(hasModels ? "slices" : "models", hasModels
                    ? "give either models or slices, not both"
                    : "missing: a recipe needs models (or slices)");
        }
        String method = requiredText(root, "merge_method", "expected a merge method name such as ties, linear or slerp");
        ModelRef base = present(root, "base_model") ? modelRef(root.get("base_model"), "base_model") : null;
        List<ModelEntry> models = hasModels ? models(root.get("models")) : null;
        List<SliceSpec> slices = hasSlices ? slices(root.get("slices")) : null;
        Map<String, ParameterValue> parameters = parameters(root.get("parameters"), "parameters");
        DType dtype = dtype(root, "dtype");
        DType outDtype = dtype(root, "out_dtype");
        String tokenizerSource = tokenizerSource(root);
        Long seed = present(root, "random_seed") ? seed(root.get("random_seed")) : null;
        String chatTemplate = present(root, "chat_template")
                ? text(root.get("chat_template"), "chat_template", "expected a template name or Jinja text") : null;
        return new MergeRecipe(method, base, models, slices, parameters, dtype, outDtype, tokenizerSource, seed,
                chatTemplate, sourceFile);
    }

    private List<ModelEntry> models(JsonNode node) {
        list(node, "models", "expected a list of {model, parameters}");
        List<ModelEntry> entries = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "models[" + i + "]";
            JsonNode entry = node.get(i);
            requireObject(entry, path, "expected {model: <folder>, parameters: {...}}");
            checkKeys(entry, path, MODEL_KEYS);
            entries.add(new ModelEntry(modelRef(requiredNode(entry, path, "model"), path + ".model"),
                    parameters(entry.get("parameters"), path + ".parameters")));
        }
        return entries;
    }

    private List<SliceSpec> slices(JsonNode node) {
        list(node, "slices", "expected a list of {sources: [...]}");
        List<SliceSpec> slices = new ArrayList<>();
        for (int j = 0; j < node.size(); j++) {
            String path = "slices[" + j + "]";
            JsonNode slice = node.get(j);
            requireObject(slice, path, "expected {sources: [...], parameters: {...}}");
            checkKeys(slice, path, SLICE_KEYS);
            JsonNode sourcesNode = requiredNode(slice, path, "sources");
            list(sourcesNode, path + ".sources", "expected a list of {model, layer_range}");
            List<SliceSource> sources = new ArrayList<>();
            for (int k = 0; k < sourcesNode.size(); k++) {
                sources.add(source(sourcesNode.get(k), path + ".sources[" + k + "]"));
            }
            for (int k = 1; k < sources.size(); k++) {
                if (sources.get(k).length() != sources.getFirst().length()) {
                    throw error(path + ".sources[" + k + "].layer_range", "spans " + sources.get(k).length()
                            + " layers but sources[0] spans " + sources.getFirst().length()
                            + " (every source of a slice must span the same number of layers)");
                }
            }
            ModelRef sliceBase = present(slice, "base_model") ? modelRef(slice.get("base_model"), path + ".base_model") : null;
            slices.add(new SliceSpec(sources, sliceBase, parameters(slice.get("parameters"), path + ".parameters")));
        }
        return slices;
    }

    private SliceSource source(JsonNode node, String path) {
        requireObject(node, path, "expected {model: <folder>, layer_range: [start, end]}");
        checkKeys(node, path, SOURCE_KEYS);
        ModelRef model = modelRef(requiredNode(node, path, "model"), path + ".model");
        JsonNode range = requiredNode(node, path, "layer_range");
        String rangePath = path + ".layer_range";
        String expected = "expected [start, end] with 0 <= start < end (end exclusive)";
        if (!range.isArray() || range.size() != 2 || !isInt(range.get(0)) || !isInt(range.get(1))) {
            throw error(rangePath, expected + ", got " + describe(range));
        }
        int start = range.get(0).intValue();
        int end = range.get(1).intValue();
        if (start < 0 || start >= end) {
            throw error(rangePath, expected + ", got " + describe(range));
        }
        return new SliceSource(model, start, end, parameters(node.get("parameters"), path + ".parameters"));
    }

    private Map<String, ParameterValue> parameters(JsonNode node, String path) {
        Map<String, ParameterValue> values = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return values;
        }
        requireObject(node, path, "expected a mapping of parameter names to values");
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            values.put(e.getKey(), parameterValue(e.getValue(), path + "." + e.getKey()));
        }
        return values;
    }

    private ParameterValue parameterValue(JsonNode node, String path) {
        if (node.isObject()) {
            // mergekit also accepts a single {filter, value} mapping: a one-entry filter list
            return new ParameterValue.Filtered(List.of(filterEntry(node, path)));
        }
        if (node.isArray() && !node.isEmpty() && allMatch(node, JsonNode::isObject)) {
            List<ParameterValue.FilterEntry> entries = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                entries.add(filterEntry(node.get(i), path + "[" + i + "]"));
            }
            return new ParameterValue.Filtered(entries);
        }
        return plainValue(node, path, PARAMETER_EXPECTED);
    }

    /** A scalar, a gradient (list of numbers) or a list of booleans/strings: a filter entry's value. */
    private ParameterValue plainValue(JsonNode node, String path, String expected) {
        if (node.isNumber() || node.isBoolean() || node.isTextual()) {
            return new ParameterValue.Scalar(scalar(node, path, expected));
        }
        if (node.isArray() && !node.isEmpty() && allMatch(node, JsonNode::isNumber)) {
            List<Double> values = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                values.add((Double) scalar(node.get(i), path + "[" + i + "]", expected));
            }
            return new ParameterValue.Gradient(values);
        }
        if (node.isArray() && !node.isEmpty() && allMatch(node, n -> n.isBoolean() || n.isTextual())) {
            List<Object> values = new ArrayList<>();
            for (JsonNode n : node) {
                values.add(n.isBoolean() ? n.booleanValue() : n.textValue());
            }
            return new ParameterValue.ListValue(values);
        }
        throw error(path, expected + ", got " + describe(node));
    }

    private Object scalar(JsonNode node, String path, String expected) {
        if (node.isNumber()) {
            double v = node.doubleValue();
            if (!Double.isFinite(v)) {
                throw error(path, expected + " (finite), got " + describe(node));
            }
            return v;
        }
        return node.isBoolean() ? (Object) node.booleanValue() : node.textValue();
    }

    private ParameterValue.FilterEntry filterEntry(JsonNode node, String path) {
        if (!node.isObject()) {
            throw error(path, "expected a {filter, value} entry, got " + describe(node));
        }
        checkKeys(node, path, FILTER_KEYS);
        JsonNode filter = node.get("filter");
        if (filter != null && !filter.isNull() && !filter.isTextual()) {
            throw error(path + ".filter", "expected a tensor-name substring, got " + describe(filter));
        }
        ParameterValue value = plainValue(requiredNode(node, path, "value"), path + ".value",
                "expected a number, a boolean or a list of numbers");
        return new ParameterValue.FilterEntry(filter == null || filter.isNull() ? null : filter.textValue(), value);
    }

    private ModelRef modelRef(JsonNode node, String path) {
        if (node.isObject()) {
            throw error(path, "the object form of a model reference is not supported yet; give the folder as a string");
        }
        return ModelRef.parse(text(node, path, "expected a model folder"), sourceFile + ": " + path);
    }

    private DType dtype(JsonNode root, String key) {
        if (!present(root, key)) {
            return null;
        }
        return DType.fromRecipe(text(root.get(key), key, "expected bfloat16, float16 or float32"), sourceFile + ": " + key);
    }

    private String tokenizerSource(JsonNode root) {
        boolean legacy = present(root, "tokenizer_source");
        if (legacy && present(root, "tokenizer")) {
            throw error("tokenizer", "give tokenizer or tokenizer_source, not both");
        }
        if (legacy) {
            return validTokenizerSource(root.get("tokenizer_source"), "tokenizer_source");
        }
        if (!present(root, "tokenizer")) {
            return null;
        }
        JsonNode tok = root.get("tokenizer");
        requireObject(tok, "tokenizer", "expected {source: base|union|<model>}");
        checkKeys(tok, "tokenizer", TOKENIZER_KEYS);
        for (String unsupported : List.of("tokens", "pad_to_multiple_of")) {
            if (tok.has(unsupported)) {
                throw error("tokenizer." + unsupported, "is not supported yet (only tokenizer.source is)");
            }
        }
        // mergekit's TokenizerConfig defaults source to "union"
        return present(tok, "source") ? validTokenizerSource(tok.get("source"), "tokenizer.source") : "union";
    }

    private String validTokenizerSource(JsonNode node, String path) {
        String source = text(node, path, "expected base, union or a model folder");
        return source.equals("base") || source.equals("union") ? source : ModelRef.parse(source, sourceFile + ": " + path).text();
    }

    private Long seed(JsonNode node) {
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw error("random_seed", "expected an integer, got " + describe(node));
        }
        return node.longValue();
    }

    private void checkKeys(JsonNode node, String path, List<String> valid) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!valid.contains(key)) {
                String hint = DidYouMean.hint(key, valid);
                throw error(path.isEmpty() ? key : path + "." + key, "unknown key"
                        + (hint.isEmpty() ? " (expected one of: " + String.join(", ", valid) + ")" : hint));
            }
        }
    }

    private JsonNode requiredNode(JsonNode node, String path, String key) {
        if (!present(node, key)) {
            throw error(path.isEmpty() ? key : path + "." + key, "missing");
        }
        return node.get(key);
    }

    private String requiredText(JsonNode node, String key, String expected) {
        if (!present(node, key)) {
            throw error(key, "missing (" + expected + ")");
        }
        return text(node.get(key), key, expected);
    }

    private String text(JsonNode node, String path, String expected) {
        if (!node.isTextual() || node.textValue().isBlank()) {
            throw error(path, expected + ", got " + describe(node));
        }
        return node.textValue();
    }

    private void list(JsonNode node, String path, String expected) {
        if (!node.isArray() || node.isEmpty()) {
            throw error(path, expected + ", got " + describe(node));
        }
    }

    private void requireObject(JsonNode node, String path, String expected) {
        if (!node.isObject()) {
            throw error(path, expected + ", got " + describe(node));
        }
    }

    private BadInputException error(String path, String message) {
        return new BadInputException(sourceFile + ": " + path + ": " + message);
    }

    private static boolean present(JsonNode node, String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    private static boolean isInt(JsonNode node) {
        return node.isIntegralNumber() && node.canConvertToInt();
    }

    private static boolean allMatch(JsonNode array, Predicate<JsonNode> test) {
        for (JsonNode n : array) {
            if (!test.test(n)) {
                return false;
            }
        }
        return true;
    }

    /** "a string 'x'", "an empty list", "null", ... for error messages (long values cut). */
    private static String describe(JsonNode node) {
        String kind = switch (node.getNodeType()) {
            case NULL, MISSING -> "null";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> node.isEmpty() ? "an empty list" : "a list";
            case OBJECT -> "a mapping";
            default -> "a value";
        };
        if (node.isNull() || node.isMissingNode() || (node.isContainerNode() && node.isEmpty())) {
            return kind;
        }
        String text = node.isTextual() ? "'" + node.textValue() + "'" : node.toString();
        return kind + " " + (text.length() > 60 ? text.substring(0, 57) + "..." : text);
    }
}
