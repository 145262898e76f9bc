package dev.amalgam.merge;

import java.nio.file.Path;
import java.util.List;

/**
 * A merge, resolved down to single tensors: what {@link MergeKernel} executes and what the output
 * folder needs around the weights.
 *
 * @param method       the merge method
 * @param modelPaths   distinct input model folders, indexed by {@code PlannedInput.modelIndex}
 * @param tensors      output tensors in write order
 * @param outputConfig config.json text for the output folder (layer count and dtype updated)
 * @param tokenizerFrom the folder whose tokenizer files are copied, or null
 * @param seed         seed of random methods
 */
public record MergePlan(MergeMethod method, List<Path> modelPaths, List<PlannedTensor> tensors,
                        String outputConfig, Path tokenizerFrom, long seed) {
    public MergePlan {
        modelPaths = List.copyOf(modelPaths);
        tensors = List.copyOf(tensors);
    }
}
