package dev.amalgam.evolve.run;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.merge.MergeKernel;
import dev.amalgam.merge.MergePlan;
import dev.amalgam.merge.MergePlanner;
import dev.amalgam.merge.OpenModels;
import dev.amalgam.merge.RescaleNorms;
import dev.amalgam.merge.VocabularyRemap;
import dev.amalgam.merge.WideningBuffers;
import dev.amalgam.recipe.MergeRecipe;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Materialises candidates in memory: one scoring {@link LlamaModel} (loaded once from the first genome model) whose
 * weights each candidate's merge overwrites in place: recipe, plan, {@link MergeKernel} into a {@link WeightsSink}.
 * Sources stay mapped in their stored dtype (bf16: 2 bytes per parameter, the page cache is the cache) and are
 * widened one tensor at a time into {@link WideningBuffers} reused by every candidate; nothing is written to disk.
 * DARE's rescale norms are kept per tensor and model as {@link RescaleNorms} levels, so a candidate whose densities are
 * on their grid (the genome's are) merges in one pass over the inputs.
 */
public final class CandidateModel implements AutoCloseable {
    private final Genome genome;
    private final OpenModels sources = new OpenModels();
    private final WideningBuffers buffers = new WideningBuffers();
    private final RescaleNorms.Cache rescaleNorms = new RescaleNorms.Cache();
    private final LlamaModel model;
    private final Device device;
    private final Set<String> warned = new LinkedHashSet<>();
    private final Consumer<String> warnings;
    private boolean stageUploads; // the fast kernel's results go through host staging to the device's weights

    /** A scoring model with fp32 weights. */
    public CandidateModel(Genome genome, Device device, Consumer<String> warnings) {
        this(genome, device, DataType.FLOAT32, warnings);
    }

    /** A scoring model with weights resident in {@code resident} (see {@link #residentType}). */
    public CandidateModel(Genome genome, Device device, DataType resident, Consumer<String> warnings) {
        this.genome = genome;
        this.device = device;
        this.warnings = warnings;
        this.model = LlamaModel.load(genome.scoringModel(), device, resident);
        this.stageUploads = !device.equals(Device.cpu());
    }

    /** Takes the GPU's way to the weights on the CPU too (staged, then one copy per tensor): for tests. */
    CandidateModel stagingUploads() {
        stageUploads = true;
        return this;
    }

    /**
     * The scoring model's resident type for a search on {@code device}: {@code evaluation.scoring_dtype} resolved against
     * the dtype candidates are saved in ({@code genome.dtype}), which is what auto means by the checkpoint's dtype here.
     */
    public static DataType residentType(SearchConfig config, Device device) {
        return config.evaluation().scoringDtype().resolve(device, config.genome().dtype(), "evaluation.scoring_dtype");
    }

    public LlamaModel model() {
        return model;
    }

    MergePlan plan(MergeRecipe recipe) {
        return MergePlanner.plan(recipe, sources, null, this::warnOnce);
    }

    /** Passes {@code warning} on unless the same text was passed before (each candidate would repeat it). */
    void warnOnce(String warning) {
        if (warned.add(warning)) {
            warnings.accept(warning);
        }
    }

    /** Merges candidate {@code x} into the scoring model's weights. */
    public void materialise(double[] x) {
        materialise(genome.decode(x));
    }

    /** Merges {@code recipe} (over models of the scoring model's architecture) into the scoring model's weights. */
    public void materialise(MergeRecipe recipe) {
        MergePlan plan = plan(recipe);
        // a tokenizer setting permutes embeddings and lm_head to the output vocabulary, as amalgam merge does
        VocabularyRemap remap = VocabularyRemap.of(recipe, plan, sources, this::warnOnce);
        if (remap != null && remap.isIdentity(plan)) {
            remap = null;
        }
        if (remap != null) {
            plan = remap.applyTo(plan);
        }
        WeightsSink sink = new WeightsSink(model.weights(), stageUploads ? buffers : null);
        new MergeKernel(plan.method(), plan.modelPaths().stream().map(sources::model).toList(), device, plan.seed(), buffers, this::warnOnce)
                .withVocabularyRemap(remap).withRescaleNorms(rescaleNorms).run(plan.tensors(), sink, MergeKernel.Progress.NONE);
        if (!sink.missing().isEmpty()) {
            throw new IllegalStateException("the merge did not produce the scoring model's tensors " + sink.missing());
        }
    }

    /** The folder holding the tokenizer: the base model, else the first genome model. */
    public Path tokenizerFolder() {
        return genome.tokenizerModel();
    }

    @Override
    public void close() {
        model.close();
        buffers.close();
        sources.close();
    }
}
