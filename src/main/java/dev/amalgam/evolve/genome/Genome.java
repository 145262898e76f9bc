package dev.amalgam.evolve.genome;

import dev.amalgam.BadInputException;
import dev.amalgam.evolve.config.GenomeSpec;
import dev.amalgam.merge.MergeMethod;
import dev.amalgam.merge.MergeMethods;
import dev.amalgam.merge.ParameterSpec;
import dev.amalgam.merge.RescaleNorms;
import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.ModelEntry;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.recipe.ParameterValue;
import dev.amalgam.recipe.ParameterValue.FilterEntry;
import dev.amalgam.recipe.SliceSource;
import dev.amalgam.recipe.SliceSpec;
import dev.amalgam.recipe.TokenizerSettings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The searched vector and its codec to and from merge recipes. Genes are laid out row-major as
 * [layer group][model][filter group][parameter], as mergekit-evolve does; a global parameter (slerp's t) has no
 * model axis. Every gene is bounded (weight [0, 1], or [-1, 1] with allow_negative_weights; density and t [0, 1]
 * within the method's declared bounds), so no abs() or clamping folds the space. Strategies search the unit cube
 * and {@link #fromUnit} maps it onto the bounds.
 *
 * <p>Layer groups: G = ceil(L / layer_granularity) groups (1 when the granularity is 0); group i covers layers
 * [floor(i L / G), floor((i + 1) L / G)), so when the granularity does not divide L the groups differ in size by at
 * most one layer instead of the last group taking the remainder. When it divides L this is mergekit-evolve's grouping.
 *
 * <p>Genes that cannot change the merge are left out of the searched vector: with a method that returns the base
 * wherever every model equals it (the task-arithmetic family), the genes of a {@link Slot} (layer group, filter group)
 * in which no model differs from the base do nothing. They stay in the recipe at a neutral value ({@link #leftOut}),
 * so a decoded recipe still writes every parameter mergekit expects.
 */
public final class Genome {
    /**
     * One searched number.
     *
     * @param model  index into the genome's models, or -1 for a global parameter
     * @param filter index into the filters; {@code filters.size()} is the catch-all group
     */
    public record Gene(String name, String parameter, int group, int model, int filter, double min, double max) {
        public Gene {
            if (!(min < max)) {
                throw new IllegalArgumentException(name + ": empty range [" + min + ", " + max + "]");
            }
        }
    }

    private final GenomeSpec spec;
    private final MergeMethod method;
    private final List<ModelRef> models;  // absolute folders, so a decoded recipe merges from anywhere
    private final ModelRef baseModel;     // absolute, or null
    private final int[] groupStart;       // [G + 1] layer boundaries
    /** A layer group's filter group (indices as in {@link Gene}). */
    public record Slot(int group, int filter) {
    }

    private final List<Gene> all = new ArrayList<>();  // every gene the recipe writes, in layout order
    private final List<Gene> genes;                    // the searched ones: all minus those of unchanged slots
    private final List<Gene> leftOut;
    private final long randomSeed;
    private final Path anchor;

    /**
     * @param layers     num_hidden_layers of the models
     * @param randomSeed written as the recipes' random_seed (DARE's masks), so export reproduces the scored tensors
     * @param anchor     the file decoded recipes are attributed to (names it in merge errors)
     */
    public Genome(GenomeSpec spec, List<ModelRef> resolvedModels, ModelRef resolvedBase, int layers, long randomSeed, Path anchor) {
        this(spec, resolvedModels, resolvedBase, layers, randomSeed, anchor, Set.of());
    }

    /**
     * @param unchanged slots in which every genome model equals the base (their genes are left out of the search);
     *                  only for methods that {@link MergeMethod#returnsBaseWhereModelsEqualIt return the base there}
     */
    public Genome(GenomeSpec spec, List<ModelRef> resolvedModels, ModelRef resolvedBase, int layers, long randomSeed, Path anchor,
                  Set<Slot> unchanged) {
        this.spec = spec;
        this.method = MergeMethods.byName(spec.mergeMethod(), "genome.merge_method");
        this.models = List.copyOf(resolvedModels);
        this.baseModel = resolvedBase;
        this.randomSeed = randomSeed;
        this.anchor = anchor;
        if (layers < 1) {
            throw new BadInputException("genome.models: '" + resolvedModels.getFirst() + "' has no layers");
        }
        int g = Math.min(spec.layerGranularity(), layers); // larger than the depth: one group, as in mergekit-evolve
        int groups = g == 0 ? 1 : (layers + g - 1) / g;
        groupStart = new int[groups + 1];
        for (int i = 0; i <= groups; i++) {
            groupStart[i] = (int) ((long) i * layers / groups);
        }
        List<String> labels = labels(spec.models());
        List<ParameterSpec> perModel = searched(ParameterSpec.Scope.PER_MODEL);
        List<ParameterSpec> global = searched(ParameterSpec.Scope.GLOBAL);
        int filterGroups = spec.filters().size() + 1;
        for (int gi = 0; gi < groups; gi++) {
            for (int m = 0; m < models.size(); m++) {
                for (int f = 0; f < filterGroups; f++) {
                    for (ParameterSpec p : perModel) {
                        all.add(gene(p, labels.get(m) + "/", gi, m, f));
                    }
                }
            }
            for (int f = 0; f < filterGroups; f++) {
                for (ParameterSpec p : global) {
                    all.add(gene(p, "", gi, -1, f));
                }
            }
        }
        if (!unchanged.isEmpty() && !method.returnsBaseWhereModelsEqualIt()) {
            throw new IllegalArgumentException(spec.mergeMethod() + " does not return the base where the models equal it");
        }
        genes = all.stream().filter(gene -> !unchanged.contains(new Slot(gene.group(), gene.filter()))).toList();
        leftOut = all.stream().filter(gene -> unchanged.contains(new Slot(gene.group(), gene.filter()))).toList();
    }

    private List<ParameterSpec> searched(ParameterSpec.Scope scope) {
        return method.parameters().stream().filter(p -> p.gene() != ParameterSpec.Gene.NONE && p.scope() == scope).toList();
    }

    private Gene gene(ParameterSpec p, String modelPart, int group, int model, int filter) {
        double lo = p.gene() == ParameterSpec.Gene.WEIGHT && spec.allowNegativeWeights() ? -1 : 0;
        double min = Math.max(lo, p.min());
        double max = Math.min(1, p.max());
        String filterPart = spec.filters().isEmpty() ? "" : "/" + (filter < spec.filters().size() ? spec.filters().get(filter) : "*");
        return new Gene(p.name() + "/" + modelPart + "g" + group + filterPart, p.name(), group, model, filter, min, max);
    }

    /** Short unique labels for gene names: each model's folder name ({@code ft-a}), suffixed when two clash. */
    private static List<String> labels(List<ModelRef> refs) {
        List<String> labels = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (int i = 0; i < refs.size(); i++) {
            String text = refs.get(i).text().replaceAll("[/\\\\]+$", "");
            String label = Path.of(text).getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
            if (!used.add(label)) {
                label = label + "-" + i;
                used.add(label);
            }
            labels.add(label);
        }
        return labels;
    }

    /** The merge method of every candidate. */
    public MergeMethod method() {
        return method;
    }

    /** The genome's models (absolute folders), in gene order. */
    public List<ModelRef> models() {
        return models;
    }

    /** The base model (absolute folder), or null. */
    public ModelRef baseModel() {
        return baseModel;
    }

    /** A recipe over this genome's models, in its dtype and tokenizer, attributed to the run (for baselines). */
    MergeRecipe recipe(String method, ModelRef base, List<ModelEntry> entries, Map<String, ParameterValue> parameters) {
        return new MergeRecipe(method, base, entries, null, parameters, spec.dtype(), null, TokenizerSettings.of(spec.tokenizerSource()), randomSeed, null, anchor);
    }

    /** The folder of the first genome model: the scoring model's architecture and initial weights. */
    public Path scoringModel() {
        return Path.of(models.getFirst().text());
    }

    /** The folder whose tokenizer scores candidates: a model tokenizer_source, else the base, else the first model. */
    public Path tokenizerModel() {
        String source = spec.tokenizerSource();
        if (source != null && !source.equals("base") && !source.equals("union")) {
            return anchor.toAbsolutePath().getParent().resolve(source).normalize();
        }
        return Path.of((baseModel != null ? baseModel : models.getFirst()).text());
    }

    /** The searched genes. */
    public List<Gene> genes() {
        return genes;
    }

    /** Genes that cannot change the merge, not searched; the recipe writes them at their {@link #initialGuess} value. */
    public List<Gene> leftOut() {
        return leftOut;
    }

    public int size() {
        return genes.size();
    }

    public int groups() {
        return groupStart.length - 1;
    }

    /** Layers [start, end) of group {@code i}. */
    public int[] groupLayers(int i) {
        return new int[]{groupStart[i], groupStart[i + 1]};
    }

    /** A point drawn uniformly within the genes' bounds: {@link #fromUnit} of {@code size()} draws of {@code random}. */
    public double[] randomPoint(RandomGenerator random) {
        double[] u = new double[genes.size()];
        for (int i = 0; i < u.length; i++) {
            u[i] = random.nextDouble();
        }
        return fromUnit(u);
    }

    /**
     * Maps a point of the unit cube onto the genes' bounds. A random-mask method's densities land on multiples of
     * 1/4096 ({@link RescaleNorms#snap}), finer than a search resolves, so its candidates reuse their rescale norms.
     */
    public double[] fromUnit(double[] u) {
        boolean snapDensities = method.isRandom();
        double[] x = new double[genes.size()];
        for (int i = 0; i < x.length; i++) {
            Gene g = genes.get(i);
            x[i] = g.min() + Math.clamp(u[i], 0, 1) * (g.max() - g.min());
            if (snapDensities && g.parameter().equals("density")) {
                x[i] = Math.clamp(RescaleNorms.snap(x[i]), g.min(), g.max());
            }
        }
        return x;
    }

    /** The inverse of {@link #fromUnit}. */
    public double[] toUnit(double[] x) {
        double[] u = new double[genes.size()];
        for (int i = 0; i < u.length; i++) {
            Gene g = genes.get(i);
            u[i] = (x[i] - g.min()) / (g.max() - g.min());
        }
        return u;
    }

    /**
     * A neutral starting point (CMA-ES's mean): weights 1/M, densities and t mid-range, so no gene starts on a
     * bound (mergekit-evolve starts densities at 1.0, its clamp edge).
     */
    public double[] initialGuess() {
        return genes.stream().mapToDouble(this::neutral).toArray();
    }

    private double neutral(Gene g) {
        return g.parameter().equals("weight") ? Math.clamp(1.0 / models.size(), g.min(), g.max()) : (g.min() + g.max()) / 2;
    }

    /** Every gene's value in {@link #all} order: the searched ones from {@code x}, the left-out ones neutral. */
    private double[] withLeftOut(double[] x) {
        double[] full = new double[all.size()];
        for (int i = 0, j = 0; i < full.length; i++) {
            Gene g = all.get(i);
            full[i] = j < genes.size() && genes.get(j) == g ? x[j++] : neutral(g);
        }
        return full;
    }

    /** The merge recipe of gene values {@code x} (slices per layer group, or gradient lists when smooth). */
    public MergeRecipe decode(double[] x) {
        if (x.length != genes.size()) {
            throw new IllegalArgumentException("expected " + genes.size() + " genes, got " + x.length);
        }
        x = withLeftOut(x);
        ModelRef base = spec.firstModelIsBase() ? models.getFirst() : baseModel;
        Map<String, ParameterValue> top = new LinkedHashMap<>();
        if (method.parameters().stream().anyMatch(p -> p.name().equals("normalize"))) {
            top.put("normalize", ParameterValue.of(spec.effectiveNormalize()));
        }
        if (spec.smooth()) {
            List<ModelEntry> entries = new ArrayList<>();
            for (int m = 0; m < models.size(); m++) {
                entries.add(new ModelEntry(models.get(m), parametersOf(x, -1, m)));
            }
            top.putAll(parametersOf(x, -1, -1));
            return recipe(base, entries, null, top);
        }
        List<SliceSpec> slices = new ArrayList<>();
        for (int gi = 0; gi < groups(); gi++) {
            List<SliceSource> sources = new ArrayList<>();
            for (int m = 0; m < models.size(); m++) {
                sources.add(new SliceSource(models.get(m), groupStart[gi], groupStart[gi + 1], parametersOf(x, gi, m)));
            }
            if (base != null && !models.contains(base)) {
                sources.add(new SliceSource(base, groupStart[gi], groupStart[gi + 1], Map.of()));
            }
            slices.add(new SliceSpec(sources, null, parametersOf(x, gi, -1)));
        }
        return recipe(base, null, slices, top);
    }

    private MergeRecipe recipe(ModelRef base, List<ModelEntry> entries, List<SliceSpec> slices, Map<String, ParameterValue> top) {
        return new MergeRecipe(spec.mergeMethod(), base, entries, slices, top, spec.dtype(), null, TokenizerSettings.of(spec.tokenizerSource()),
                randomSeed, null, anchor);
    }

    /**
     * The parameters of model {@code m} (-1: the global ones) in layer group {@code group}, or over all groups as
     * gradients when {@code group} is -1 (smooth mode); {@code x} holds every gene, {@link #all} order.
     */
    private Map<String, ParameterValue> parametersOf(double[] x, int group, int m) {
        Map<String, List<Double>[]> byName = new LinkedHashMap<>(); // parameter -> per filter group, values by group
        int filterGroups = spec.filters().size() + 1;
        for (int i = 0; i < all.size(); i++) {
            Gene g = all.get(i);
            if (g.model() != m || (group >= 0 && g.group() != group)) {
                continue;
            }
            @SuppressWarnings("unchecked")
            List<Double>[] perFilter = byName.computeIfAbsent(g.parameter(), k -> new List[filterGroups]);
            if (perFilter[g.filter()] == null) {
                perFilter[g.filter()] = new ArrayList<>();
            }
            perFilter[g.filter()].add(x[i]); // genes are in group order, so this is the gradient's order
        }
        Map<String, ParameterValue> out = new LinkedHashMap<>();
        byName.forEach((name, perFilter) -> {
            if (filterGroups == 1) {
                out.put(name, value(perFilter[0]));
            } else {
                List<FilterEntry> entries = new ArrayList<>();
                for (int f = 0; f < filterGroups; f++) {
                    entries.add(new FilterEntry(f < spec.filters().size() ? spec.filters().get(f) : null, value(perFilter[f])));
                }
                out.put(name, new ParameterValue.Filtered(entries));
            }
        });
        return out;
    }

    private static ParameterValue value(List<Double> values) {
        return values.size() == 1 ? ParameterValue.of(values.getFirst()) : new ParameterValue.Gradient(values);
    }

    /** The gene values of a recipe this genome decoded (e.g. an exported best.yaml); fails naming the gene if it does not fit. */
    public double[] encode(MergeRecipe recipe) {
        if (!recipe.mergeMethod().equals(spec.mergeMethod())) {
            throw new BadInputException(recipe.sourceFile() + ": merge_method " + recipe.mergeMethod() + " does not match the genome's " + spec.mergeMethod());
        }
        double[] x = new double[genes.size()];
        for (int i = 0; i < x.length; i++) {
            Gene g = genes.get(i);
            try {
                x[i] = valueOf(recipe, g);
            } catch (RuntimeException e) {
                throw new BadInputException(recipe.sourceFile() + ": no value for gene " + g.name() + " (" + e.getMessage() + ")", e);
            }
        }
        return x;
    }

    private double valueOf(MergeRecipe recipe, Gene g) {
        ParameterValue pv;
        if (spec.smooth()) {
            pv = g.model() >= 0 ? recipe.models().get(g.model()).parameters().get(g.parameter()) : recipe.parameters().get(g.parameter());
        } else {
            SliceSpec slice = recipe.slices().get(g.group());
            pv = g.model() >= 0 ? slice.sources().get(g.model()).parameters().get(g.parameter()) : slice.parameters().get(g.parameter());
        }
        if (pv == null) {
            throw new IllegalArgumentException("parameter " + g.parameter() + " is missing");
        }
        if (!spec.filters().isEmpty()) {
            pv = ((ParameterValue.Filtered) pv).entries().get(g.filter()).value();
        }
        return switch (pv) {
            case ParameterValue.Scalar s -> (Double) s.value();
            case ParameterValue.Gradient gr -> gr.values().get(g.group());
            default -> throw new IllegalArgumentException("unexpected value " + pv);
        };
    }
}
