package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

/**
 * One input model's tensor for the merge of one output tensor.
 *
 * @param modelIndex the model's position in the recipe (stable; seeds random masks)
 * @param tensor     fp32, read-only
 * @param params     this model's per-model parameters for this tensor
 */
public record ModelTensor(int modelIndex, NDArray tensor, ParameterValues params) {
}
