package dev.amalgam.arch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.amalgam.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The tensor layout of a decoder-only model: the pre-weights before the layers, the per-layer
 * tensors under {@code <layerPrefix><i>.}, and the post-weights after them, each with its shape in
 * config sizes and the config flag it depends on. Known layouts come from the catalogue
 * {@code architectures.yaml}, the one place tensor names and shapes are listed (the merge planner and
 * the forward pass both read them here); any other model gets a layout inferred from its tensor names,
 * without shapes, flagged {@code known() == false} so the caller can warn.
 *
 * @param name          the config's {@code architectures[0]}
 * @param forwardPass   the forward pass that runs this layout ({@code llama}), or null: merge only
 * @param layerCountKey the config.json key holding the number of layers
 * @param layerPrefix   e.g. {@code model.layers.}
 * @param layerWeights  tensors inside a layer, named after {@code <layerPrefix><i>.}
 */
public record Architecture(String name, boolean known, String forwardPass, String layerCountKey, String layerPrefix,
                           List<Weight> preWeights, List<Weight> layerWeights, List<Weight> postWeights) {
    /** How unknown architectures' layers are recognised. */
    private static final Pattern GENERIC_LAYER = Pattern.compile("(?:^|\\.)layers\\.(\\d+)\\.");
    /** Config keys that hold the layer count in unknown architectures, most common first. */
    private static final List<String> LAYER_COUNT_KEYS = List.of("num_hidden_layers", "n_layer", "num_layers", "n_layers");
    /** Catalogue layouts by config name; several when the entry lists alternative layer prefixes. */
    private static final Map<String, List<Architecture>> KNOWN = loadKnown();

    public Architecture {
        preWeights = List.copyOf(preWeights);
        layerWeights = List.copyOf(layerWeights);
        postWeights = List.copyOf(postWeights);
        if (layerPrefix == null || layerPrefix.isEmpty() || !layerPrefix.endsWith(".")) {
            throw new IllegalArgumentException(name + ": layer prefix must end with '.': " + layerPrefix);
        }
        boolean layerRoleOutside = Stream.concat(preWeights.stream(), postWeights.stream()).anyMatch(w -> w.role() == TensorRole.LAYER);
        if (layerRoleOutside || layerWeights.stream().anyMatch(w -> w.role() != TensorRole.LAYER)) {
            throw new IllegalArgumentException(name + ": layer weights, and only they, have role LAYER");
        }
    }

    /**
     * A named tensor.
     *
     * @param role   {@link TensorRole#LAYER} for layer weights, what it is for pre/post weights
     * @param shape  sizes named as in {@link DecoderConfig#DIMENSIONS} (empty when inferred)
     * @param when   the config flag that must be true for the tensor to exist, or null
     * @param unless the config flag that must be false for it to exist, or null (lm_head: tie_word_embeddings)
     */
    public record Weight(String name, TensorRole role, List<String> shape, String when, String unless) {
        public Weight {
            shape = List.copyOf(shape);
            for (String flag : Arrays.asList(when, unless)) {
                if (flag != null && !DecoderConfig.FLAGS.contains(flag)) {
                    throw new IllegalArgumentException(name + ": unknown config flag '" + flag + "'; known: " + DecoderConfig.FLAGS);
                }
            }
            for (String size : shape) {
                if (!DecoderConfig.DIMENSIONS.contains(size)) {
                    throw new IllegalArgumentException(name + ": unknown size '" + size + "'; known: " + DecoderConfig.DIMENSIONS);
                }
            }
        }

        /** Whether a model whose config has these flags holds this tensor. */
        boolean exists(Predicate<String> flags) {
            return (when == null || flags.test(when)) && (unless == null || !flags.test(unless));
        }
    }

    /**
     * The known layout for the config's architecture (the spelling of its layer prefix that the
     * model's tensor names use), or one inferred from the model's tensor names.
     */
    public static Architecture forConfig(ModelConfig cfg, List<String> tensorNames) {
        String arch = cfg.architecture();
        List<Architecture> variants = KNOWN.get(arch);
        if (variants == null) {
            return infer(arch, cfg, tensorNames);
        }
        return variants.stream().filter(a -> tensorNames.stream().anyMatch(n -> a.layerNumberEnd(n) >= 0))
                .findFirst().orElse(variants.getFirst());
    }

    /** The catalogue entry for a config's {@code architectures[0]}, if there is one. */
    public static Optional<Architecture> known(String name) {
        return Optional.ofNullable(KNOWN.get(name)).map(List::getFirst);
    }

    /**
     * The model's layer count from its config, under this layout's key. An inferred layout whose config
     * has none of the usual keys cannot be cut into layers: that is an unsupported architecture.
     */
    public int layerCount(ModelConfig cfg) {
        if (layerCountKey == null) {
            throw new BadInputException(cfg.file() + ": architecture " + name + " is not supported (no layer count"
                    + " under " + String.join(", ", LAYER_COUNT_KEYS) + "); supported: " + String.join(", ", knownNames()));
        }
        return cfg.layerCount(layerCountKey);
    }

    /** The names of the architectures with a known layout. */
    public static SortedSet<String> knownNames() {
        return new TreeSet<>(KNOWN.keySet());
    }

    /** The names of the architectures a forward pass runs. */
    public static SortedSet<String> namesRunBy(String forwardPass) {
        SortedSet<String> names = new TreeSet<>();
        KNOWN.values().stream().map(List::getFirst).filter(a -> forwardPass.equals(a.forwardPass())).forEach(a -> names.add(a.name()));
        return names;
    }

    /** The pre- or post-weight with this role (the forward pass finds the embedding, final norm and head so). */
    public String weightNamed(TensorRole role) {
        return Stream.concat(preWeights.stream(), postWeights.stream()).filter(w -> w.role() == role)
                .findFirst().map(Weight::name)
                .orElseThrow(() -> new IllegalArgumentException(name + " has no " + role + " weight"));
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

    /** Every tensor a model with this config has, in catalogue order (lm_head left out when tied, ...). */
    public List<String> expectedTensors(ModelConfig cfg) {
        List<String> names = new ArrayList<>();
        forEachTensor(layerCount(cfg), cfg::flag, (tensor, w) -> names.add(tensor));
        return names;
    }

    /** Every tensor a decoder with this config has, with its HF shape, in catalogue order. */
    Map<String, long[]> expectedShapes(DecoderConfig c) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        forEachTensor(c.numHiddenLayers(), c::flag, (tensor, w) -> {
            if (w.shape().isEmpty()) {
                throw new IllegalStateException(name + ": no shape for " + w.name() + " (an inferred layout)");
            }
            shapes.put(tensor, w.shape().stream().mapToLong(c::dimension).toArray());
        });
        return shapes;
    }

    private void forEachTensor(int numLayers, Predicate<String> flags, BiConsumer<String, Weight> action) {
        preWeights.stream().filter(w -> w.exists(flags)).forEach(w -> action.accept(w.name(), w));
        for (int i = 0; i < numLayers; i++) {
            for (Weight w : layerWeights) {
                if (w.exists(flags)) {
                    action.accept(layerPrefix + i + "." + w.name(), w);
                }
            }
        }
        postWeights.stream().filter(w -> w.exists(flags)).forEach(w -> action.accept(w.name(), w));
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
            throw new BadInputException(cfg.file() + ": architecture " + arch + " is not supported (no tensor names like"
                    + " '...layers.<n>....' to find its layers by); supported: " + String.join(", ", knownNames()));
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
            (role.isPostWeight() ? post : pre).add(new Weight(n, role, List.of(), null,
                    role == TensorRole.LM_HEAD ? "tie_word_embeddings" : null));
        }
        String countKey = LAYER_COUNT_KEYS.stream().filter(cfg::has).findFirst().orElse(null);
        List<Weight> layer = suffixes.stream().map(n -> new Weight(n, TensorRole.LAYER, List.of(), null, null)).toList();
        return new Architecture(arch, false, null, countKey, prefix, pre, layer, post);
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
    private record Definition(List<String> names, String forwardPass, String layerCountKey, List<String> layerPrefix,
                              List<Entry> preWeights, List<Entry> layerWeights, List<Entry> postWeights) {
    }

    /** One tensor of an entry; layer weights have no role. */
    private record Entry(String name, TensorRole role, List<String> shape, String when, String unless) {
        Weight weight(TensorRole fallback) {
            return new Weight(name, role == null ? fallback : role, shape == null ? List.of() : shape, when, unless);
        }
    }

    private static List<Weight> weights(List<Entry> entries, TensorRole role) {
        return entries == null ? List.of() : entries.stream().map(e -> e.weight(role)).toList();
    }

    private record Catalog(List<Definition> architectures) {
    }

    private static Map<String, List<Architecture>> loadKnown() {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY); // layer_prefix: one or a list
        try (InputStream in = Architecture.class.getResourceAsStream("architectures.yaml")) {
            Catalog catalog = yaml.readValue(Optional.ofNullable(in)
                    .orElseThrow(() -> new IllegalStateException("architectures.yaml missing from the classpath")), Catalog.class);
            Map<String, List<Architecture>> byName = new HashMap<>();
            for (Definition d : catalog.architectures()) {
                for (String n : d.names()) {
                    byName.put(n, d.layerPrefix().stream().map(prefix -> new Architecture(n, true, d.forwardPass(),
                            d.layerCountKey(), prefix, weights(d.preWeights(), TensorRole.OTHER),
                            weights(d.layerWeights(), TensorRole.LAYER), weights(d.postWeights(), TensorRole.OTHER))).toList());
                }
            }
            return Map.copyOf(byName);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read architectures.yaml", e);
        }
    }
}
