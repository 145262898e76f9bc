package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import dev.amalgam.DidYouMean;
import dev.amalgam.arch.Architecture;
import dev.amalgam.arch.LayerCountCheck;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.recipe.LayerPosition;
import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.recipe.ParameterSite;
import dev.amalgam.recipe.SliceSource;
import dev.amalgam.recipe.SliceSpec;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorInfo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Turns a recipe into a {@link MergePlan}: which input tensors feed each output tensor, with every
 * parameter evaluated (scalars, gradients, filters) for that tensor, validated against the method's
 * declarations. All validation happens here, before anything is written.
 *
 * <p>Layer positions: the idx-th layer of a slice of length L has t = idx/(L-1); embeddings use the
 * first slice at t = 0 and the final norm / lm_head the last slice at t = 1 (mergekit uses t = 0
 * there, a defect the spec asks us not to copy).
 */
public final class MergePlanner {
    /** Opened inputs, by resolved folder. */
    public interface ModelSource {
        SafetensorsModel model(Path folder);

        ModelConfig config(Path folder);
    }

    private record Source(int model, SliceSource spec) {
        int layerStart() {
            return spec.layerStart();
        }

        int length() {
            return spec.length();
        }

        String ref() {
            return spec.model().text();
        }
    }

    private record Slice(List<Source> inputs, Source base, SliceSpec spec, String where) {
        int length() {
            return spec.length();
        }

        /** The source whose tensor names are enumerated (the base when there is one). */
        Source reference() {
            return base != null ? base : inputs.getFirst();
        }
    }

    private final MergeRecipe recipe;
    private final MergeMethod method;
    private final ModelSource source;
    private final Consumer<String> warnings;
    private final String file;
    private final Map<ModelRef, Path> folders;
    private final List<Path> paths = new ArrayList<>();
    private final Map<Path, Integer> indexOf = new HashMap<>();

    private MergePlanner(MergeRecipe recipe, MergeMethod method, ModelSource source, Consumer<String> warnings) {
        this.recipe = recipe;
        this.method = method;
        this.source = source;
        this.warnings = warnings;
        this.file = String.valueOf(recipe.sourceFile().getFileName());
        this.folders = recipe.resolveModels();
    }

    public static MergePlan plan(MergeRecipe recipe, ModelSource source, Long seedOverride, Consumer<String> warnings) {
        MergeMethod method = MergeMethods.byName(recipe.mergeMethod(), recipe.sourceFile().getFileName() + ": merge_method");
        return new MergePlanner(recipe, method, source, warnings).plan(seedOverride);
    }

    private int modelIndex(ModelRef ref) {
        return indexOf.computeIfAbsent(folders.get(ref), k -> {
            paths.add(k);
            return paths.size() - 1;
        });
    }

    /** A model's layer count, under its architecture's config key (GPT-2's {@code n_layer}, ...). */
    private int layers(ModelRef ref) {
        Path folder = folders.get(ref);
        ModelConfig cfg = source.config(folder);
        return Architecture.forConfig(cfg, source.model(folder).tensorNames()).layerCount(cfg);
    }

    private MergePlan plan(Long seedOverride) {
        checkParameterNames();
        List<SliceSpec> specs = recipe.effectiveSlices(this::layers);
        List<Slice> slices = new ArrayList<>();
        for (int s = 0; s < specs.size(); s++) {
            slices.add(slice(specs.get(s), recipe.slices() == null ? "models" : "slices[" + s + "]"));
        }
        Slice first = slices.getFirst();
        Path referencePath = paths.get(first.reference().model());
        SafetensorsModel reference = source.model(referencePath);
        ModelConfig referenceConfig = source.config(referencePath);
        Architecture arch = Architecture.forConfig(referenceConfig, reference.tensorNames());
        if (!arch.known()) {
            warnings.accept("unknown architecture " + referenceConfig.architecture()
                    + ": merging tensors by name (layers found by '.layers.N.')");
        }
        for (Path model : paths) {
            LayerCountCheck.require(arch, source.config(model), source.model(model).tensorNames());
        }
        checkSameTensorSets(slices, arch);

        List<PlannedTensor> out = new ArrayList<>();
        Map<Integer, List<String>> byLayer = new TreeMap<>();
        List<String> pre = new ArrayList<>();
        List<String> post = new ArrayList<>();
        for (String name : reference.tensorNames()) {
            var layer = arch.layerIndex(name);
            if (layer.isPresent()) {
                byLayer.computeIfAbsent(layer.getAsInt(), k -> new ArrayList<>()).add(name);
            } else if (arch.role(name).isPostWeight()) {
                post.add(name);
            } else {
                pre.add(name); // embeddings and any tensor the layout does not name
            }
        }
        for (String name : pre) {
            out.add(tensor(arch, first, name, name, -1, LayerPosition.PRE_WEIGHTS));
        }
        int outLayer = 0;
        for (Slice s : slices) {
            for (int j = 0; j < s.length(); j++) {
                double t = LayerPosition.t(j, s.length());
                for (String refName : byLayerOf(s, arch, s.reference().layerStart() + j, byLayer, first)) {
                    out.add(tensor(arch, s, refName, arch.withLayer(refName, outLayer + j), j, t));
                }
            }
            outLayer += s.length();
        }
        Slice last = slices.getLast();
        for (String name : post) {
            out.add(tensor(arch, last, name, name, -1, LayerPosition.POST_WEIGHTS));
        }

        long seed = seedOverride != null ? seedOverride : recipe.randomSeed() != null ? recipe.randomSeed() : 0L;
        return new MergePlan(method, paths, out, arch, referencePath, outLayer, seed);
    }

    /** Layer-tensor names of reference layer {@code layer}, from the reference model of slice {@code s}. */
    private List<String> byLayerOf(Slice s, Architecture arch, int layer, Map<Integer, List<String>> firstByLayer, Slice first) {
        if (s.reference().model() == first.reference().model()) {
            return firstByLayer.getOrDefault(layer, List.of());
        }
        List<String> names = new ArrayList<>();
        for (String n : source.model(paths.get(s.reference().model())).tensorNames()) {
            if (arch.layerIndex(n).orElse(-1) == layer) {
                names.add(n);
            }
        }
        return names;
    }

    private Slice slice(SliceSpec spec, String where) {
        List<Source> sources = new ArrayList<>();
        for (int i = 0; i < spec.sources().size(); i++) {
            SliceSource src = spec.sources().get(i);
            if (src.layerEnd() > layers(src.model())) {
                throw new BadInputException(file + ": " + where + ".sources[" + i + "].layer_range [" + src.layerStart() + ", "
                        + src.layerEnd() + "] is beyond model '" + src.model().text() + "', which has " + layers(src.model()) + " layers");
            }
            sources.add(new Source(modelIndex(src.model()), src));
        }
        ModelRef baseRef = recipe.baseFor(spec);
        if (method.baseRequirement() == MergeMethod.BaseRequirement.NONE) {
            // A base that recipe.models() does not list was appended by effectiveSlices (mergekit's
            // rule for methods with a base); methods without one leave it out.
            if (baseRef != null && recipe.models() != null && recipe.models().stream().noneMatch(e -> e.model().equals(baseRef))) {
                sources.removeIf(src -> src.spec().model().equals(baseRef));
            }
            checkCount(sources.size(), where);
            return new Slice(sources, null, spec, where);
        }
        if (baseRef == null) {
            if (method.baseRequirement() == MergeMethod.BaseRequirement.REQUIRED) {
                throw new BadInputException(file + ": merge_method " + method.name() + " needs base_model");
            }
            checkCount(sources.size(), where);
            return new Slice(sources, null, spec, where);
        }
        Source base = null;
        List<Source> others = new ArrayList<>();
        for (Source s : sources) {
            if (base == null && s.spec().model().equals(baseRef)) {
                base = s;
            } else {
                others.add(s);
            }
        }
        if (base == null) {
            // mergekit takes the base over the same layers as the slice's first source.
            SliceSource f = spec.sources().getFirst();
            if (f.layerEnd() > layers(baseRef)) {
                throw new BadInputException(file + ": " + where + ": base_model '" + baseRef.text() + "' has " + layers(baseRef)
                        + " layers, fewer than the layer_range [" + f.layerStart() + ", " + f.layerEnd() + "]");
            }
            base = new Source(modelIndex(baseRef), new SliceSource(baseRef, f.layerStart(), f.layerEnd(), Map.of()));
        }
        checkCount(others.size(), where);
        return new Slice(others, base, spec, where);
    }

    private void checkCount(int n, String where) {
        if (n < method.minModels() || n > method.maxModels()) {
            String range = method.maxModels() == Integer.MAX_VALUE ? "at least " + method.minModels()
                    : method.minModels() == method.maxModels() ? "exactly " + method.minModels()
                    : method.minModels() + " to " + method.maxModels();
            throw new BadInputException(file + ": " + where + ": merge_method " + method.name() + " takes " + range
                    + (method.baseRequirement() == MergeMethod.BaseRequirement.NONE ? "" : " model(s) besides the base")
                    + ", got " + n);
        }
    }

    /**
     * Parameters the method declares must have the right type and range. Others are ignored with one
     * warning per parameter name, as mergekit's planner reads only the parameters a method declares
     * (its own tests put a per-model {@code weight} on slerp, karcher, model_stock ...).
     */
    private void checkParameterNames() {
        Map<String, ParameterSpec> declared = new LinkedHashMap<>();
        method.parameters().forEach(p -> declared.put(p.name(), p));
        Set<String> warned = new HashSet<>();
        for (ParameterSite site : recipe.parameterSites()) {
            ParameterSpec spec = declared.get(site.name());
            String where = file + ": " + site.keyPath();
            if (spec == null) {
                if (warned.add(site.name())) {
                    warnings.accept(where + ": merge_method " + method.name() + " has no parameter '" + site.name()
                            + "'" + DidYouMean.hint(site.name(), declared.keySet()) + "; ignored (it takes "
                            + declared.keySet() + ")");
                }
                continue;
            }
            for (Object leaf : site.value().leaves()) {
                check(spec, leaf, where, null);
            }
        }
    }

    /** Every model of a slice must hold the reference's tensors for the layers it contributes. */
    private void checkSameTensorSets(List<Slice> slices, Architecture arch) {
        for (Slice s : slices) {
            Source ref = s.reference();
            SafetensorsModel refModel = source.model(paths.get(ref.model()));
            List<Source> all = new ArrayList<>(s.inputs());
            if (s.base() != null) {
                all.addFirst(s.base());
            }
            for (Source other : all) {
                SafetensorsModel m = source.model(paths.get(other.model()));
                for (String name : refModel.tensorNames()) {
                    var layer = arch.layerIndex(name);
                    String mapped = name;
                    if (layer.isPresent()) {
                        int j = layer.getAsInt() - ref.layerStart();
                        if (j < 0 || j >= s.length()) {
                            continue;
                        }
                        mapped = arch.withLayer(name, other.layerStart() + j);
                    }
                    if (!m.has(mapped)) {
                        throw new BadInputException(file + ": model '" + other.ref() + "' lacks tensor '" + mapped
                                + "' that model '" + ref.ref() + "' has");
                    }
                }
            }
        }
    }

    private PlannedTensor tensor(Architecture arch, Slice s, String refName, String outName, int j, double t) {
        String where = file + ": " + s.where();
        ParameterValues global = resolve(ParameterSpec.Scope.GLOBAL, null, s, refName, t, false, where);
        PlannedTensor.PlannedInput base = s.base() == null ? null : input(arch, s.base(), refName, j, s, t, true, where);
        List<PlannedTensor.PlannedInput> inputs = new ArrayList<>();
        for (Source src : s.inputs()) {
            inputs.add(input(arch, src, refName, j, s, t, false, where));
        }
        List<PlannedTensor.PlannedInput> all = new ArrayList<>(inputs);
        if (base != null) {
            all.addFirst(base);
        }
        List<Path> models = all.stream().map(in -> paths.get(in.modelIndex())).toList();
        List<TensorInfo> infos = all.stream().map(in -> source.model(paths.get(in.modelIndex())).info(in.tensorName())).toList();
        InputDtypeCheck.check(file, outName, models, infos);
        TensorInfo first = infos.getFirst();
        long[] shape = outShape(arch, outName, all, base);
        boolean raw = !first.dtype().isFloating();
        DType dtype = raw || recipe.outputDtype() == null ? first.dtype() : recipe.outputDtype();
        PlannedTensor planned = new PlannedTensor(outName, shape, dtype, base, inputs, global, raw);
        WeightSumCheck.check(method, planned, where);
        return planned;
    }

    private PlannedTensor.PlannedInput input(Architecture arch, Source src, String refName, int j,
                                            Slice s, double t, boolean isBase, String where) {
        String name = j < 0 ? refName : arch.withLayer(refName, src.layerStart() + j);
        ParameterValues params = resolve(ParameterSpec.Scope.PER_MODEL, src, s, refName, t, isBase,
                where + " model '" + src.ref() + "'");
        return new PlannedTensor.PlannedInput(src.model(), name, params);
    }

    /** Output shape; embeddings of different vocabulary sizes are rectified per the method's rule. */
    private long[] outShape(Architecture arch, String outName, List<PlannedTensor.PlannedInput> all, PlannedTensor.PlannedInput base) {
        List<long[]> shapes = new ArrayList<>();
        for (PlannedTensor.PlannedInput in : all) {
            shapes.add(source.model(paths.get(in.modelIndex())).info(in.tensorName()).shape());
        }
        long[] first = shapes.getFirst();
        boolean same = shapes.stream().allMatch(sh -> Arrays.equals(sh, first));
        if (same) {
            return first;
        }
        String desc = describeShapes(all, shapes);
        boolean embedding = arch.isEmbedding(outName) && shapes.stream().allMatch(sh -> sh.length == 2);
        if (!embedding || method.embeddingRectification() == MergeMethod.EmbeddingRectification.NONE) {
            throw new BadInputException(file + ": tensor '" + outName + "' has different shapes in the inputs (" + desc + ")");
        }
        // a recipe that sets a tokenizer has the embeddings rebuilt for it (VocabularyRemap), not cut
        boolean rebuilt = recipe.tokenizer() != null;
        if (method.embeddingRectification() == MergeMethod.EmbeddingRectification.BASE_SHAPE && base != null && !rebuilt) {
            long[] b = source.model(paths.get(base.modelIndex())).info(base.tensorName()).shape();
            for (long[] sh : shapes) {
                if (sh[0] < b[0] || sh[1] < b[1]) {
                    throw new BadInputException(file + ": tensor '" + outName + "' is smaller in a model than in the base ("
                            + desc + "); " + method.name() + " cuts embeddings to the base shape");
                }
            }
            warnings.accept("'" + outName + "': embeddings cut to the base shape " + Arrays.toString(b) + " (" + desc + ")");
            return b;
        }
        long rows = Long.MAX_VALUE;
        long cols = Long.MAX_VALUE;
        for (long[] sh : shapes) {
            rows = Math.min(rows, sh[0]);
            cols = Math.min(cols, sh[1]);
        }
        if (!rebuilt) {
            warnings.accept("'" + outName + "': embeddings cut to the common sub-matrix [" + rows + ", " + cols + "] (" + desc + ")");
        }
        return new long[] {rows, cols};
    }

    private String describeShapes(List<PlannedTensor.PlannedInput> all, List<long[]> shapes) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            parts.add(paths.get(all.get(i).modelIndex()).getFileName() + ": " + Arrays.toString(shapes.get(i)));
        }
        return String.join(", ", parts);
    }

    /**
     * Parameter values for one tensor by mergekit's precedence (source, slice, top level), evaluated
     * at the tensor's name and layer position; a filter list with no matching entry means the default.
     */
    private ParameterValues resolve(ParameterSpec.Scope scope, Source src, Slice s, String tensorName, double t,
                                    boolean isBase, String where) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (ParameterSpec spec : method.parameters()) {
            if (spec.scope() != scope) {
                continue;
            }
            Object v = recipe.parameter(spec.name(), s.spec(), src == null ? null : src.spec())
                    .map(pv -> pv.evaluate(tensorName, t)).orElse(null);
            if (v == null) {
                if (spec.required() && !isBase) {
                    throw new BadInputException(where + ": missing required parameter '" + spec.name()
                            + "' of merge_method " + method.name() + " (tensor '" + tensorName + "')");
                }
                v = spec.defaultValue();
            }
            values.put(spec.name(), v == null ? unusedBaseValue(spec) : check(spec, v, where, tensorName));
        }
        return ParameterValues.of(values);
    }

    /** The base model need not set a required per-model parameter; methods never read it. */
    private static Object unusedBaseValue(ParameterSpec spec) {
        return spec.type() == ParameterSpec.Type.NUMBER ? (Object) 0.0 : Boolean.FALSE;
    }

    private static Object check(ParameterSpec spec, Object v, String where, String tensorName) {
        if (spec.type() == ParameterSpec.Type.BOOLEAN) {
            if (v instanceof Boolean b) {
                return b;
            }
            throw new BadInputException(where + ": parameter '" + spec.name() + "' must be true or false, got " + v);
        }
        if (!(v instanceof Number n)) {
            throw new BadInputException(where + ": parameter '" + spec.name() + "' must be a number, got " + v);
        }
        double d = n.doubleValue();
        if (!(d >= spec.min() && d <= spec.max())) {
            throw new BadInputException(where + ": parameter '" + spec.name() + "' = " + d + " is outside ["
                    + spec.min() + ", " + spec.max() + "]" + (tensorName == null ? "" : " (tensor '" + tensorName + "')"));
        }
        return d;
    }
}
