package dev.amalgam.arch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.amalgam.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensor layout of a decoder-only model: the pre-weights before the layers, the per-layer
 * tensors under {@code <layerPrefix><i>.}, and the post-weights after them. Known layouts come from
 * the data file {@code architectures.yaml}; any other model gets one inferred from its tensor names,
 * flagged {@code known() == false} so the caller can warn.
 *
 * @param name          the config's {@code architectures[0]}
 * @param layerCountKey the config.json key holding the number of layers
 * @param layerPrefix   e.g. {@code model.layers.}
 * @param layerWeights  tensor names inside a layer, after {@code <layerPrefix><i>.}
 */
public record Architecture(String name, boolean known, String layerCountKey, String layerPrefix,
                           List<Weight> preWeights, List<String> layerWeights, List<Weight> postWeights) {
    /** How unknown architectures' layers are recognised. */
    private static final Pattern GENERIC_LAYER = Pattern.compile("(?:^|\\.)layers\\.(\\d+)\\.");
    /** Config keys that hold the layer count in unknown architectures, most common first. */
    private static final List<String> LAYER_COUNT_KEYS = List.of("num_hidden_layers", "n_layer", "num_layers", "n_layers");
    private static final Map<String, Architecture> KNOWN = loadKnown();

    public Architecture {
        preWeights = List.copyOf(preWeights);
        layerWeights = List.copyOf(layerWeights);
        postWeights = List.copyOf(postWeights);
        if (layerPrefix.isEmpty() || !layerPrefix.endsWith(".")) {
            throw new IllegalArgumentException(name + ": layer prefix must end with '.': " + layerPrefix);
        }
    }

    /**
     * A named tensor outside the layers.
     *
     * @param optionalWhenTied absent when the config ties the word embeddings (lm_head)
     */
    public record Weight(String name, TensorRole role, boolean optionalWhenTied) {
        public Weight {
            if (role == TensorRole.LAYER) {
                throw new IllegalArgumentException(name + ": a pre/post weight cannot have role LAYER");
            }
        }
    }

    /** The known layout for the config's architecture, or one inferred from the model's tensor names. */
    public static Architecture forConfig(ModelConfig cfg, List<String> tensorNames) {
        String arch = cfg.architecture();
        Architecture known = KNOWN.get(arch);
        return known != null ? known : infer(arch, cfg, tensorNames);
    }

    /** The names of the architectures with a known layout. */
    public static SortedSet<String> knownNames() {
        return new TreeSet<>(KNOWN.keySet());
    }

    /** The layer number of a per-layer tensor ({@code model.layers.12.mlp.up_proj.weight} -> 12). */
    public OptionalInt layerIndex(String tensorName) {
        int end = layerNumberEnd(tensorName);
        return end < 0 ? OptionalInt.empty()
                : OptionalInt.of(Integer.parseInt(tensorName.substring(layerPrefix.length(), end)));
    }

    /** The same tensor in another layer; the planner uses it to renumber layers in frankenmerges. */
    public String withLayer(String tensorName, int newIndex) {
        int end = layerNumberEnd(tensorName);
        if (end < 0 || newIndex < 0) {
            throw new IllegalArgumentException("cannot move '" + tensorName + "' to layer " + newIndex);
        }
        return layerPrefix + newIndex + tensorName.substring(end);
    }

    public TensorRole role(String tensorName) {
        for (List<Weight> weights : List.of(preWeights, postWeights)) {
            for (Weight w : weights) {
                if (w.name().equals(tensorName)) {
                    return w.role();
                }
            }
        }
        return layerNumberEnd(tensorName) >= 0 ? TensorRole.LAYER : TensorRole.OTHER;
    }

    /** Embedding and lm_head matrices (rows are vocabulary entries: they get vocab rectification). */
    public boolean isEmbedding(String tensorName) {
        return role(tensorName).isEmbedding();
    }

    /** Every tensor a model with {@code numLayers} layers has, in order; lm_head is left out when tied. */
    public List<String> expectedTensors(int numLayers, boolean tied) {
        List<String> names = new ArrayList<>();
        preWeights.stream().filter(w -> !(tied && w.optionalWhenTied())).forEach(w -> names.add(w.name()));
        for (int i = 0; i < numLayers; i++) {
            for (String suffix : layerWeights) {
                names.add(layerPrefix + i + "." + suffix);
            }
        }
        postWeights.stream().filter(w -> !(tied && w.optionalWhenTied())).forEach(w -> names.add(w.name()));
        return names;
    }

    /** Index just past the layer number ({@code <prefix><digits>.}), or -1 if not a layer tensor. */
    private int layerNumberEnd(String tensorName) {
        return layerNumberEnd(layerPrefix, tensorName);
    }

    private static int layerNumberEnd(String layerPrefix, String tensorName) {
        if (!tensorName.startsWith(layerPrefix)) {
            return -1;
        }
        int i = layerPrefix.length();
        while (i < tensorName.length() && Character.isDigit(tensorName.charAt(i))) {
            i++;
        }
        boolean digits = i > layerPrefix.length() && i - layerPrefix.length() <= 9; // fits an int
        return digits && i < tensorName.length() && tensorName.charAt(i) == '.' ? i : -1;
    }

    private static Architecture infer(String arch, ModelConfig cfg, List<String> tensorNames) {
        String prefix = null;
        for (String n : tensorNames) {
            Matcher m = GENERIC_LAYER.matcher(n);
            if (m.find()) {
                prefix = n.substring(0, m.start(1));
                break;
            }
        }
        if (prefix == null) {
            throw new BadInputException(cfg.file() + ": unknown architecture '" + arch + "' (known: "
                    + String.join(", ", knownNames())
                    + ") and no tensor names like '...layers.<n>....' to infer its layers from");
        }
        Set<String> suffixes = new LinkedHashSet<>();
        List<Weight> pre = new ArrayList<>();
        List<Weight> post = new ArrayList<>();
        for (String n : tensorNames) {
            int end = layerNumberEnd(prefix, n);
            if (end >= 0) {
                suffixes.add(n.substring(end + 1));
                continue;
            }
            TensorRole role = guessRole(n);
            (role.isPostWeight() ? post : pre).add(new Weight(n, role, role == TensorRole.LM_HEAD));
        }
        String countKey = LAYER_COUNT_KEYS.stream().filter(cfg::has).findFirst().orElse(LAYER_COUNT_KEYS.getFirst());
        return new Architecture(arch, false, countKey, prefix, pre, List.copyOf(suffixes), post);
    }

    /** Name heuristics for non-layer tensors of unknown architectures. */
    private static TensorRole guessRole(String tensorName) {
        String n = tensorName.toLowerCase(Locale.ROOT);
        if (n.startsWith("lm_head.") || n.contains("embed_out") || n.equals("output.weight")) {
            return TensorRole.LM_HEAD;
        }
        if (n.contains("embed_tokens") || n.contains("word_embeddings") || n.contains("wte.") || n.contains("embed_in")) {
            return TensorRole.EMBEDDING;
        }
        return n.contains("norm") || n.contains("ln_f") ? TensorRole.FINAL_NORM : TensorRole.OTHER;
    }

    /** One entry of {@code architectures.yaml}. */
    private record Definition(List<String> names, String layerCountKey, String layerPrefix,
                              List<Weight> preWeights, List<String> layerWeights, List<Weight> postWeights) {
    }

    private record Catalog(List<Definition> architectures) {
    }

    private static Map<String, Architecture> loadKnown() {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        try (InputStream in = Architecture.class.getResourceAsStream("architectures.yaml")) {
            Catalog catalog = yaml.readValue(Optional.ofNullable(in)
                    .orElseThrow(() -> new IllegalStateException("architectures.yaml missing from the classpath")), Catalog.class);
            Map<String, Architecture> byName = new HashMap<>();
            for (Definition d : catalog.architectures()) {
                for (String n : d.names()) {
                    byName.put(n, new Architecture(n, true, d.layerCountKey(), d.layerPrefix(),
                            d.preWeights(), d.layerWeights(), d.postWeights()));
                }
            }
            return Map.copyOf(byName);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read architectures.yaml", e);
        }
    }
}
