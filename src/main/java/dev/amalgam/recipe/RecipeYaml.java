package dev.amalgam.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link MergeRecipe} as mergekit-compatible YAML: gradients as lists, filters as lists of
 * {@code {filter, value}}. {@code RecipeParser.parse(toYaml(r), f)} equals {@code r.withSourceFile(f)}.
 * A tokenizer setting of only a source is written as {@code tokenizer_source}, else as the {@code tokenizer:}
 * block; {@code random_seed} is our extension key (mergekit ignores unknown keys).
 */
public final class RecipeYaml {
    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build());
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RecipeYaml() {
    }

    public static String toYaml(MergeRecipe recipe) {
        ObjectNode root = NODES.objectNode();
        root.put("merge_method", recipe.mergeMethod());
        if (recipe.baseModel() != null) {
            root.put("base_model", recipe.baseModel().text());
        }
        if (recipe.models() != null) {
            ArrayNode models = root.putArray("models");
            for (ModelEntry e : recipe.models()) {
                ObjectNode entry = models.addObject().put("model", e.model().text());
                putParameters(entry, e.parameters());
            }
        } else {
            ArrayNode slices = root.putArray("slices");
            for (SliceSpec slice : recipe.slices()) {
                ObjectNode s = slices.addObject();
                ArrayNode sources = s.putArray("sources");
                for (SliceSource src : slice.sources()) {
                    ObjectNode o = sources.addObject().put("model", src.model().text());
                    o.putArray("layer_range").add(src.layerStart()).add(src.layerEnd());
                    putParameters(o, src.parameters());
                }
                if (slice.baseModel() != null) {
                    s.put("base_model", slice.baseModel().text());
                }
                putParameters(s, slice.parameters());
            }
        }
        putParameters(root, recipe.parameters());
        if (recipe.dtype() != null) {
            root.put("dtype", recipe.dtype().torchName());
        }
        if (recipe.outDtype() != null) {
            root.put("out_dtype", recipe.outDtype().torchName());
        }
        if (recipe.tokenizer() != null && recipe.tokenizer().sourceOnly()) {
            root.put("tokenizer_source", recipe.tokenizer().source());
        } else if (recipe.tokenizer() != null) {
            root.set("tokenizer", tokenizer(recipe.tokenizer()));
        }
        if (recipe.chatTemplate() != null) {
            root.put("chat_template", recipe.chatTemplate());
        }
        if (recipe.randomSeed() != null) {
            root.put("random_seed", recipe.randomSeed());
        }
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree of plain nodes always serialises
        }
    }

    /** The {@code tokenizer:} block: source, tokens (each {source, force}), pad_to_multiple_of. */
    private static ObjectNode tokenizer(TokenizerSettings settings) {
        ObjectNode block = NODES.objectNode().put("source", settings.source());
        if (!settings.tokens().isEmpty()) {
            ObjectNode tokens = block.putObject("tokens");
            settings.tokens().forEach((token, e) -> {
                ObjectNode t = tokens.putObject(token);
                switch (e.source()) {
                    case TokenizerSettings.TokenSource.Model m -> t.put("source", m.model().text());
                    case TokenizerSettings.TokenSource.Zero z -> t.putObject("source").put("kind", "zero");
                    case TokenizerSettings.TokenSource.ModelToken mt -> {
                        ObjectNode s = t.putObject("source").put("kind", "model_token").put("model", mt.model().text());
                        if (mt.token() != null) {
                            s.put("token", mt.token());
                        } else {
                            s.put("token_id", mt.tokenId());
                        }
                    }
                }
                if (e.force()) {
                    t.put("force", true);
                }
            });
        }
        if (settings.padToMultipleOf() != null) {
            block.put("pad_to_multiple_of", settings.padToMultipleOf());
        }
        return block;
    }

    private static void putParameters(ObjectNode parent, Map<String, ParameterValue> parameters) {
        if (parameters.isEmpty()) {
            return;
        }
        ObjectNode p = parent.putObject("parameters");
        parameters.forEach((name, value) -> p.set(name, node(value)));
    }

    private static JsonNode node(ParameterValue value) {
        return switch (value) {
            case ParameterValue.Scalar s -> scalar(s.value());
            case ParameterValue.Gradient g -> list(List.copyOf(g.values()));
            case ParameterValue.ListValue l -> list(l.values());
            case ParameterValue.Filtered f -> {
                ArrayNode entries = NODES.arrayNode();
                for (ParameterValue.FilterEntry e : f.entries()) {
                    ObjectNode o = entries.addObject();
                    if (e.filter() != null) {
                        o.put("filter", e.filter());
                    }
                    o.set("value", node(e.value()));
                }
                yield entries;
            }
        };
    }

    private static ArrayNode list(List<Object> values) {
        ArrayNode a = NODES.arrayNode();
        values.forEach(v -> a.add(scalar(v)));
        return a;
    }

    private static JsonNode scalar(Object v) {
        return switch (v) {
            case Double d -> NODES.numberNode(d);
            case Boolean b -> NODES.booleanNode(b);
            case String s -> NODES.textNode(s);
            default -> throw new IllegalStateException("not a parameter scalar: " + v);
        };
    }
}
