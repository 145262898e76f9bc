package dev.amalgam.merge;

import ai.djl.ndarray.NDManager;

import java.util.List;

/**
 * Everything a {@link MergeMethod} sees for one output tensor.
 *
 * @param manager    the per-tensor NDManager: intermediates and the result belong to it, and it is
 *                   closed by the kernel once the result is consumed. The inputs must live in this
 *                   manager (or be attached to it), because DJL puts an op's result in the manager
 *                   of its first operand
 * @param tensorName the output tensor's name (filters and random seeds use it)
 * @param base       the base model's tensor (null unless the method takes a base and the recipe has one)
 * @param models     the other inputs in recipe order, at least one (the kernel passes a tensor only
 *                   the base has through without calling the method)
 * @param global     the method's global parameters for this tensor
 * @param seed       the merge seed (from the recipe or the command line)
 */
public record TensorMergeContext(NDManager manager, String tensorName, ModelTensor base,
                                 List<ModelTensor> models, ParameterValues global, long seed) {
    public TensorMergeContext {
        models = List.copyOf(models);
        if (models.isEmpty()) {
            throw new IllegalArgumentException(tensorName + ": a merge needs at least one model besides the base");
        }
    }
}
