package dev.amalgam.files;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.amalgam.BadInputException;
import dev.amalgam.BadValueException;
import dev.amalgam.DidYouMean;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One node of a YAML or JSON file together with the file and the key path it sits at
 * ({@code models[1].parameters.weight}). Every bad-input error it raises has the same shape:
 * {@code FILE: key.path: what was expected, got what} ({@code FILE: problem} at the top level), so the
 * readers of recipes, search configs, task files, run.yaml and config.json all report alike.
 * A key that is absent gives a node that is not {@link #isPresent() present}; reading it with a fallback
 * returns the fallback, reading it without one reports it missing.
 */
public final class ConfigNode {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** Jackson's " (for Object starting at [Source: REDACTED ...; line: 1, column: 7])" inside a message. */
    private static final Pattern SOURCE_REFERENCE = Pattern.compile("\\s*\\(for [^()]*? starting at \\[Source: [^\\]]*\\]\\)");

    private final Path file;
    private final String keyPath; // "" at the top level
    private final JsonNode node; // MissingNode when the key is absent

    private ConfigNode(Path file, String keyPath, JsonNode node) {
        this.file = file;
        this.keyPath = keyPath;
        this.node = node == null ? MissingNode.getInstance() : node;
    }

    /** Reads a YAML file holding one document; {@code expected} says what the file is, for "not found". */
    public static ConfigNode readYaml(Path file, String expected) {
        return single(readYamlDocuments(file, expected), file);
    }

    /** Reads every document of a YAML file (none for an empty file). */
    public static List<ConfigNode> readYamlDocuments(Path file, String expected) {
        return parseYamlDocuments(readText(file, expected), file);
    }

    /** Reads a JSON file; {@code expected} says what the file is, for "not found". */
    public static ConfigNode readJson(Path file, String expected) {
        String text = readText(file, expected);
        try {
            return new ConfigNode(file, "", JSON.readTree(text));
        } catch (JacksonException e) {
            throw syntaxError(file, "JSON", e);
        }
    }

    /** Parses YAML text of one document; {@code file} names it in errors. */
    public static ConfigNode parseYaml(String text, Path file) {
        return single(parseYamlDocuments(text, file), file);
    }

    /** The one document of a file; an empty file gives a missing top level. */
    private static ConfigNode single(List<ConfigNode> docs, Path file) {
        if (docs.size() > 1) {
            throw new BadInputException(file + ": has " + docs.size() + " YAML documents, expected one");
        }
        return docs.isEmpty() ? new ConfigNode(file, "", null) : docs.getFirst();
    }

    /** Parses every document of YAML text (none for an empty text). */
    public static List<ConfigNode> parseYamlDocuments(String text, Path file) {
        // document by document: reading values would unwrap a top-level list into values
        List<ConfigNode> docs = new ArrayList<>();
        try (JsonParser parser = YAML.createParser(text)) {
            while (parser.nextToken() != null) {
                docs.add(new ConfigNode(file, "", YAML.readTree(parser)));
            }
        } catch (JacksonException e) {
            throw syntaxError(file, "YAML", e);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read (" + IoFailure.cause(file, e) + ")", e);
        }
        return docs;
    }

    /** A config file's text, for readers that keep it; "not found" says it should be {@code expected}. */
    public static String readText(Path file, String expected) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": not found (expected " + expected + ")", e);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read (" + IoFailure.cause(file, e) + ")", e);
        }
    }

    private static BadInputException syntaxError(Path file, String format, JacksonException e) {
        return new BadInputException(file + ": invalid " + format + ": " + syntaxProblem(e), e);
    }

    /**
     * A JSON or YAML parse error of Jackson in one line, for every reader of such text (config files, safetensors
     * headers, data files): the first line of its message and the position, e.g.
     * {@code Unexpected character ('}' (code 125)) (line 3, column 7)}. Jackson's own message spans several lines
     * (a source excerpt, a caret, "at [Source: ...]").
     */
    public static String syntaxProblem(JacksonException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? firstLine(e) : firstLine(e) + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    /** {@link #syntaxProblem} for text that is one line of a file (a JSONL row): the column only. */
    public static String syntaxProblemInLine(JacksonException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getColumnNr() < 1 ? firstLine(e) : firstLine(e) + " (column " + at.getColumnNr() + ")";
    }

    private static String firstLine(JacksonException e) {
        String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        String first = message.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(message);
        return SOURCE_REFERENCE.matcher(first).replaceAll(""); // the position is given once, at the end
    }

    public Path file() {
        return file;
    }

    /** The key path from the top of the file, e.g. {@code slices[0].sources}; empty at the top level. */
    public String keyPath() {
        return keyPath;
    }

    /** {@code FILE: key.path}, the prefix of this node's errors (for readers that take a location). */
    public String where() {
        return keyPath.isEmpty() ? file.toString() : file + ": " + keyPath;
    }

    /** The node as Jackson read it (a missing node when absent). */
    public JsonNode json() {
        return node;
    }

    /** The key is there and not null. */
    public boolean isPresent() {
        return !node.isMissingNode() && !node.isNull();
    }

    public boolean isMapping() {
        return node.isObject();
    }

    public boolean isList() {
        return node.isArray();
    }

    public boolean isText() {
        return node.isTextual();
    }

    public boolean isNumber() {
        return node.isNumber();
    }

    /** The value under {@code key} of a mapping (absent when this is not a mapping or lacks the key). */
    public ConfigNode get(String key) {
        return new ConfigNode(file, keyPath.isEmpty() ? key : keyPath + "." + key, node.get(key));
    }

    /** Element {@code index} of a list (absent when out of range). */
    public ConfigNode get(int index) {
        return new ConfigNode(file, keyPath + "[" + index + "]", node.get(index));
    }

    /** This node as a mapping; absent or another kind is an error. */
    public ConfigNode mapping(String expected) {
        require(expected);
        if (!node.isObject()) {
            throw expected(expected);
        }
        return this;
    }

    /** This node as a mapping, or an empty mapping when absent. */
    public ConfigNode optionalMapping(String expected) {
        return isPresent() ? mapping(expected) : new ConfigNode(file, keyPath, JsonNodeFactory.instance.objectNode());
    }

    /** Rejects keys of this mapping outside {@code allowed}, suggesting the nearest one. */
    public ConfigNode checkKeys(Collection<String> allowed) {
        mapping("a mapping");
        for (String key : entries().keySet()) {
            if (!allowed.contains(key)) {
                String hint = DidYouMean.hint(key, allowed);
                throw get(key).error("unknown key"
                        + (hint.isEmpty() ? " (expected one of: " + String.join(", ", allowed) + ")" : hint));
            }
        }
        return this;
    }

    /** A mapping's entries in file order (none for anything else). */
    public Map<String, ConfigNode> entries() {
        Map<String, ConfigNode> entries = new LinkedHashMap<>();
        if (node.isObject()) {
            node.properties().forEach(e -> entries.put(e.getKey(), get(e.getKey())));
        }
        return Collections.unmodifiableMap(entries);
    }

    /** This node's elements; it must be a list (possibly empty). */
    public List<ConfigNode> list(String expected) {
        require(expected);
        if (!node.isArray()) {
            throw expected(expected);
        }
        List<ConfigNode> elements = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            elements.add(get(i));
        }
        return elements;
    }

    /** This node's elements, or none when absent. */
    public List<ConfigNode> optionalList(String expected) {
        return isPresent() ? list(expected) : List.of();
    }

    /** This node's elements; it must be a list with at least one. */
    public List<ConfigNode> nonEmptyList(String expected) {
        require(expected);
        if (!node.isArray() || node.isEmpty()) {
            throw expected(expected);
        }
        return list(expected);
    }

    /** A string that is not blank. */
    public String text(String expected) {
        require(expected);
        if (!node.isTextual() || node.textValue().isBlank()) {
            throw expected(expected);
        }
        return node.textValue();
    }

    public String text(String expected, String fallback) {
        return isPresent() ? text(expected) : fallback;
    }

    /** Any single value (string, number or boolean) as its text, e.g. {@code doc_to_target: 0}. */
    public String scalar(String expected) {
        require(expected);
        if (!node.isValueNode()) {
            throw expected(expected);
        }
        return node.asText();
    }

    public String scalar(String expected, String fallback) {
        return isPresent() ? scalar(expected) : fallback;
    }

    /** A whole number (2 and 2.0, not 2.5) that fits an int. */
    public int integer(String expected) {
        long v = longInteger(expected);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw expected(expected);
        }
        return (int) v;
    }

    public int integer(String expected, int fallback) {
        return isPresent() ? integer(expected) : fallback;
    }

    /** A whole number (2 and 2.0, not 2.5) that fits a long. */
    public long longInteger(String expected) {
        require(expected);
        if (!node.isNumber() || !node.canConvertToExactIntegral() || !node.canConvertToLong()) {
            throw expected(expected);
        }
        return node.asLong();
    }

    public long longInteger(String expected, long fallback) {
        return isPresent() ? longInteger(expected) : fallback;
    }

    public double number(String expected) {
        require(expected);
        if (!node.isNumber()) {
            throw expected(expected);
        }
        return node.doubleValue();
    }

    public double number(String expected, double fallback) {
        return isPresent() ? number(expected) : fallback;
    }

    /** true or false; absent or null gives {@code fallback}. */
    public boolean bool(boolean fallback) {
        if (!isPresent()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw expected("true or false");
        }
        return node.booleanValue();
    }

    /** {@code FILE: key.path: problem}. */
    public BadInputException error(String problem) {
        return new BadInputException(where() + ": " + problem);
    }

    /** {@code FILE: key.path: expected WHAT, got <this value>}. */
    public BadInputException expected(String what) {
        return error("expected " + what + ", got " + describe());
    }

    /**
     * Builds a record from values read here: a {@link BadValueException} from its compact constructor (which
     * names the key path below this node) becomes an error naming this file.
     */
    public <T> T build(Supplier<T> record) {
        try {
            return record.get();
        } catch (BadValueException e) {
            String path = keyPath.isEmpty() ? e.keyPath() : keyPath + "." + e.keyPath();
            throw new BadInputException(file + ": " + path + ": " + e.problem(), e);
        }
    }

    private void require(String expected) {
        if (!isPresent()) {
            throw keyPath.isEmpty() ? expected(expected) : error("missing (expected " + expected + ")");
        }
    }

    /** "a string 'x'", "an empty list", "null", ... (long values cut), for "got ..." in errors. */
    public String describe() {
        if (node.isMissingNode()) {
            return keyPath.isEmpty() ? "an empty file" : "nothing";
        }
        String kind = switch (node.getNodeType()) {
            case NULL -> "null";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> node.isEmpty() ? "an empty list" : "a list";
            case OBJECT -> node.isEmpty() ? "an empty mapping" : "a mapping";
            default -> "a value";
        };
        if (node.isNull() || (node.isContainerNode() && node.isEmpty())) {
            return kind;
        }
        String text = node.isTextual() ? "'" + node.textValue() + "'" : node.toString();
        return kind + " " + (text.length() > 60 ? text.substring(0, 57) + "..." : text);
    }
}
