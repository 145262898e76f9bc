package dev.amalgam.merge;

import dev.amalgam.arch.Architecture;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.arch.TensorRole;
import dev.amalgam.safetensors.DType;

import java.nio.file.Path;
import java.util.List;

/**
 * A merge, resolved down to single tensors: what {@link MergeKernel} executes. The output folder's
 * config.json is derived from it only when a merge is written to disk ({@link #outputConfig}), so a
 * search planning a candidate per evaluation builds none.
 *
 * @param method         the merge method
 * @param modelPaths     distinct input model folders, indexed by {@code PlannedInput.modelIndex}
 * @param tensors        output tensors in write order
 * @param architecture   the layout of the reference model (the first slice's base, else its first source)
 * @param referenceModel the folder of that model, whose config.json the output's is based on
 * @param outputLayers   the output's layer count
 * @param seed           seed of random methods
 */
public record MergePlan(MergeMethod method, List<Path> modelPaths, List<PlannedTensor> tensors,
                        Architecture architecture, Path referenceModel, int outputLayers, long seed) {
    public MergePlan {
        modelPaths = List.copyOf(modelPaths);
        tensors = List.copyOf(tensors);
    }

    /**
     * The output's config.json text: the reference model's {@code reference} with the layer count, the dtype
     * and (when the embedding is planned as a matrix) the vocabulary size of this merge.
     */
    public String outputConfig(ModelConfig reference, DType dtype) {
        Integer vocab = null;
        for (PlannedTensor t : tensors) {
            if (architecture.role(t.outputName()) == TensorRole.EMBEDDING && t.outShape().length == 2) {
                vocab = Math.toIntExact(t.outShape()[0]);
            }
        }
        return reference.updatedJson(architecture.layerCountKey(), outputLayers, dtype, vocab);
    }
}
