package dev.amalgam.recipe;

import dev.amalgam.BadInputException;
import dev.amalgam.safetensors.DType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.function.ToIntFunction;

/**
 * A mergekit merge recipe, parsed and validated ({@link RecipeParser}) or built in code, and written
 * back by {@link RecipeYaml}. Exactly one of {@code models} and {@code slices} is non-null.
 *
 * @param mergeMethod     the registry name (validated against the method registry by the planner)
 * @param baseModel       the recipe's base model, or null
 * @param tokenizer       the output tokenizer ({@code tokenizer_source} or the {@code tokenizer:} block), or null
 * @param randomSeed      our extension key {@code random_seed} (mergekit takes it on the command line)
 * @param chatTemplate    {@code auto}, a template name or Jinja text, written into the output's tokenizer_config.json
 * @param sourceFile      the recipe file: names it in errors and anchors relative model paths
 */
public record MergeRecipe(String mergeMethod, ModelRef baseModel, List<ModelEntry> models, List<SliceSpec> slices,
                          Map<String, ParameterValue> parameters, DType dtype, DType outDtype,
                          TokenizerSettings tokenizer, Long randomSeed, String chatTemplate, Path sourceFile) {
    public MergeRecipe {
        if (mergeMethod == null || mergeMethod.isBlank()) {
            throw new IllegalArgumentException("merge method must not be blank");
        }
        if ((models == null) == (slices == null)) {
            throw new IllegalArgumentException("exactly one of models and slices must be given");
        }
        models = models == null ? null : List.copyOf(models);
        slices = slices == null ? null : List.copyOf(slices);
        if ((models != null && models.isEmpty()) || (slices != null && slices.isEmpty())) {
            throw new IllegalArgumentException("models or slices must not be empty");
        }
        parameters = Parameters.copy(parameters);
        Objects.requireNonNull(sourceFile, "sourceFile");
    }

    /** The same recipe attributed to another file (relative model paths then resolve from there). */
    public MergeRecipe withSourceFile(Path file) {
        return new MergeRecipe(mergeMethod, baseModel, models, slices, parameters, dtype, outDtype,
                tokenizer, randomSeed, chatTemplate, file);
    }

    /** The tokenizer source: "base", "union", a model reference, or null when the recipe sets none. */
    public String tokenizerSource() {
        return tokenizer == null ? null : tokenizer.source();
    }

    /** The dtype tensors are saved in: {@code out_dtype}, else {@code dtype}, else null (keep the inputs'). */
    public DType outputDtype() {
        return outDtype != null ? outDtype : dtype;
    }

    /** The base of a slice: its own {@code base_model}, else the recipe's (may be null). */
    public ModelRef baseFor(SliceSpec slice) {
        return slice.baseModel() != null ? slice.baseModel() : baseModel;
    }

    /**
     * The output slices. A {@code slices:} recipe returns them as written; a {@code models:} recipe
     * becomes one slice in which each model spans its full depth, with the base appended when absent
     * (as mergekit does). {@code layerCount} gives a model's number of layers.
     */
    public List<SliceSpec> effectiveSlices(ToIntFunction<ModelRef> layerCount) {
        if (slices != null) {
            return slices;
        }
        List<SliceSource> sources = new ArrayList<>();
        for (ModelEntry e : models) {
            sources.add(new SliceSource(e.model(), 0, layerCount.applyAsInt(e.model()), e.parameters()));
        }
        if (baseModel != null && models.stream().noneMatch(e -> e.model().equals(baseModel))) {
            sources.add(new SliceSource(baseModel, 0, layerCount.applyAsInt(baseModel), Map.of()));
        }
        for (SliceSource s : sources) {
            if (s.length() != sources.getFirst().length()) {
                throw new BadInputException(sourceFile + ": models: '" + sources.getFirst().model() + "' has "
                        + sources.getFirst().length() + " layers but '" + s.model() + "' has " + s.length()
                        + " (use slices: to merge models of different depths)");
            }
        }
        return List.of(new SliceSpec(sources, null, Map.of()));
    }

    /**
     * A parameter's setting for one source of one output slice, by mergekit's precedence: the
     * source's own parameters (from {@code models[i]} or {@code slices[j].sources[k]}), then the
     * slice's, then the top-level ones. Empty means "apply the method default".
     *
     * @param source the model the per-model parameter is for, or null for a global parameter
     */
    public Optional<ParameterValue> parameter(String name, SliceSpec slice, SliceSource source) {
        if (source != null && source.parameters().containsKey(name)) {
            return Optional.of(source.parameters().get(name));
        }
        if (slice.parameters().containsKey(name)) {
            return Optional.of(slice.parameters().get(name));
        }
        return Optional.ofNullable(parameters.get(name));
    }

    /** Every parameter setting in the recipe, in document order (models/slices first, then top level). */
    public List<ParameterSite> parameterSites() {
        List<ParameterSite> sites = new ArrayList<>();
        if (models != null) {
            for (int i = 0; i < models.size(); i++) {
                addSites(sites, "models[" + i + "].parameters", models.get(i).parameters(), true);
            }
        } else {
            for (int j = 0; j < slices.size(); j++) {
                SliceSpec slice = slices.get(j);
                for (int k = 0; k < slice.sources().size(); k++) {
                    addSites(sites, "slices[" + j + "].sources[" + k + "].parameters", slice.sources().get(k).parameters(), true);
                }
                addSites(sites, "slices[" + j + "].parameters", slice.parameters(), false);
            }
        }
        addSites(sites, "parameters", parameters, false);
        return sites;
    }

    private static void addSites(List<ParameterSite> sites, String path, Map<String, ParameterValue> values, boolean perModel) {
        values.forEach((name, value) -> sites.add(new ParameterSite(path + "." + name, name, value, perModel)));
    }

    /**
     * Every model the recipe names (base, models, slice sources and bases, a model tokenizer source),
     * resolved to its local folder; errors name the recipe file and the key where the model appears.
     */
    public Map<ModelRef, Path> resolveModels() {
        Path recipeDir = sourceFile.toAbsolutePath().getParent();
        Map<ModelRef, Path> folders = new LinkedHashMap<>();
        referencedModels().forEach((ref, key) -> folders.put(ref, ref.resolve(recipeDir, sourceFile + ": " + key)));
        return folders;
    }

    /** Every model the recipe names, with the key of its first appearance ({@code models[1].model}). */
    public Map<ModelRef, String> referencedModels() {
        Map<ModelRef, String> where = new LinkedHashMap<>();
        if (baseModel != null) {
            where.putIfAbsent(baseModel, "base_model");
        }
        if (models != null) {
            for (int i = 0; i < models.size(); i++) {
                where.putIfAbsent(models.get(i).model(), "models[" + i + "].model");
            }
        } else {
            for (int j = 0; j < slices.size(); j++) {
                SliceSpec slice = slices.get(j);
                if (slice.baseModel() != null) {
                    where.putIfAbsent(slice.baseModel(), "slices[" + j + "].base_model");
                }
                for (int k = 0; k < slice.sources().size(); k++) {
                    where.putIfAbsent(slice.sources().get(k).model(), "slices[" + j + "].sources[" + k + "].model");
                }
            }
        }
        if (tokenizer != null && tokenizer.sourceIsModel()) {
            where.putIfAbsent(new ModelRef(tokenizer.source()), "tokenizer_source");
        }
        return where;
    }

    /**
     * The same recipe with some model references replaced (a multi-stage recipe's stage names by the
     * folders those stages were written to).
     */
    public MergeRecipe withModels(Map<ModelRef, ModelRef> replace) {
        UnaryOperator<ModelRef> r = ref -> ref == null ? null : replace.getOrDefault(ref, ref);
        List<ModelEntry> m = models == null ? null
                : models.stream().map(e -> new ModelEntry(r.apply(e.model()), e.parameters())).toList();
        List<SliceSpec> s = slices == null ? null : slices.stream().map(slice -> new SliceSpec(
                slice.sources().stream().map(src -> new SliceSource(r.apply(src.model()), src.layerStart(), src.layerEnd(),
                        src.parameters())).toList(), r.apply(slice.baseModel()), slice.parameters())).toList();
        TokenizerSettings t = tokenizer == null ? null : tokenizer.withModels(r);
        return new MergeRecipe(mergeMethod, r.apply(baseModel), m, s, parameters, dtype, outDtype, t, randomSeed,
                chatTemplate, sourceFile);
    }
}
