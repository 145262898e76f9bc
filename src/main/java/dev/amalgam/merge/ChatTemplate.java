package dev.amalgam.merge;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.amalgam.BadInputException;
import dev.amalgam.files.ConfigNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A recipe's {@code chat_template}, resolved as mergekit does: {@code auto} takes the template most of the
 * input models' tokenizers carry (none if none does), a name from {@code chat_templates.yaml} takes that
 * template, and anything else must look like Jinja (20 characters or more, with a brace). The result is
 * written into the output's {@code tokenizer_config.json}.
 */
final class ChatTemplate {
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<String, String> NAMED = loadNamed();

    private ChatTemplate() {
    }

    /**
     * The template text for the recipe's setting, or empty (no setting, or {@code auto} with no template
     * among the inputs).
     *
     * @param where  names the recipe in errors
     * @param inputs the folders of the models the recipe names (for {@code auto})
     */
    static Optional<String> resolve(String setting, Collection<Path> inputs, String where) {
        if (setting == null || setting.isEmpty()) {
            return Optional.empty();
        }
        if (setting.equals("auto")) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (Path folder : inputs) {
                templateOf(folder).ifPresent(t -> counts.merge(t.strip(), 1, Integer::sum));
            }
            // the first of the most common, as Python's Counter.most_common(1) picks
            return counts.entrySet().stream().reduce((a, b) -> b.getValue() > a.getValue() ? b : a).map(Map.Entry::getKey);
        }
        if (NAMED.containsKey(setting)) {
            return Optional.of(NAMED.get(setting));
        }
        if (setting.length() < 20 || !setting.contains("{")) {
            throw new BadInputException(where + ": chat_template: '" + setting + "' is neither auto, a template name ("
                    + String.join(", ", NAMED.keySet()) + ") nor a Jinja template");
        }
        return Optional.of(setting);
    }

    /** Writes {@code template} as {@code chat_template} of {@code <dir>/tokenizer_config.json}, keeping its other fields. */
    static void write(Path dir, String template) {
        updateTokenizerConfig(dir, "chat_template", JSON.getNodeFactory().textNode(template), true);
    }

    /**
     * Sets {@code field} of {@code <dir>/tokenizer_config.json} to {@code value}, keeping its other fields
     * (and their order); the file is made when absent and {@code create}.
     */
    static void updateTokenizerConfig(Path dir, String field, JsonNode value, boolean create) {
        Path file = dir.resolve(TOKENIZER_CONFIG);
        if (!create && !Files.isRegularFile(file)) {
            return;
        }
        ObjectNode config = Files.isRegularFile(file)
                ? (ObjectNode) ConfigNode.readJson(file, "a tokenizer_config.json").mapping("a JSON object").json().deepCopy()
                : JSON.createObjectNode();
        config.set(field, value);
        try {
            Files.writeString(file, JSON.writeValueAsString(config) + "\n");
        } catch (JacksonException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** A model's template: chat_template.jinja, else tokenizer_config.json's chat_template (its "default" when a list). */
    private static Optional<String> templateOf(Path folder) {
        try {
            Path jinja = folder.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                return Optional.of(Files.readString(jinja));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + folder.resolve("chat_template.jinja"), e);
        }
        Path file = folder.resolve(TOKENIZER_CONFIG);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode t = ConfigNode.readJson(file, "a tokenizer_config.json").json().path("chat_template");
        if (t.isArray()) {
            for (JsonNode named : t) {
                if (named.path("name").asText().equals("default")) {
                    t = named.path("template");
                }
            }
        }
        return t.isTextual() && !t.asText().isBlank() ? Optional.of(t.asText()) : Optional.empty();
    }

    private static Map<String, String> loadNamed() {
        try (InputStream in = ChatTemplate.class.getResourceAsStream("chat_templates.yaml")) {
            if (in == null) {
                throw new IllegalStateException("chat_templates.yaml missing from the classpath");
            }
            Map<String, String> named = new LinkedHashMap<>();
            new ObjectMapper(new YAMLFactory()).readTree(in).properties().forEach(e -> named.put(e.getKey(), e.getValue().asText()));
            return named;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read chat_templates.yaml", e);
        }
    }
}
