package dev.amalgam.merge;

import dev.amalgam.safetensors.DType;

import java.util.Arrays;
import java.util.List;

/**
 * One output tensor of a merge, fully resolved: where each input comes from and with which
 * parameters. The planner (recipe + architecture) produces these; the {@link MergeKernel} executes them.
 *
 * @param outputName the tensor's name in the output model (layer index renumbered for slices)
 * @param outShape   the output shape (after embedding rectification)
 * @param outDtype   the dtype written out
 * @param base       the base input, or null (methods without a base, or none given)
 * @param inputs     the other inputs in recipe order (at least one)
 * @param global     the method's global parameters for this tensor, defaults applied
 * @param copyRaw    true for non-float tensors (or tensors a merge leaves alone): the first input's
 *                   bytes are copied unchanged
 */
public record PlannedTensor(String outputName, long[] outShape, DType outDtype, PlannedInput base,
                            List<PlannedInput> inputs, ParameterValues global, boolean copyRaw) {
    public PlannedTensor {
        outShape = outShape.clone();
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty() && base == null) {
            throw new IllegalArgumentException(outputName + ": a planned tensor needs at least one input");
        }
    }

    @Override
    public long[] outShape() {
        return outShape.clone();
    }

    /** All inputs, base first when present. */
    public List<PlannedInput> allInputs() {
        if (base == null) {
            return inputs;
        }
        var all = new java.util.ArrayList<PlannedInput>(inputs.size() + 1);
        all.add(base);
        all.addAll(inputs);
        return all;
    }

    @Override
    public String toString() {
        return outputName + Arrays.toString(outShape) + " " + outDtype;
    }

    /**
     * One input tensor.
     *
     * @param modelIndex index of the source model in the plan's model list
     * @param tensorName the tensor's name inside that model (may differ from the output name)
     * @param params     per-model parameters for this tensor, defaults applied
     */
    public record PlannedInput(int modelIndex, String tensorName, ParameterValues params) {
    }
}
