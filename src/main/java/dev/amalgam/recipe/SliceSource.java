package dev.amalgam.recipe;

import java.util.Map;
import java.util.Objects;

/**
 * One source of an output slice: layers [layerStart, layerEnd) of a model, with per-model parameters.
 */
public record SliceSource(ModelRef model, int layerStart, int layerEnd, Map<String, ParameterValue> parameters) {
    public SliceSource {
        Objects.requireNonNull(model, "model");
        if (layerStart < 0 || layerStart >= layerEnd) {
            throw new IllegalArgumentException("layer range [" + layerStart + ", " + layerEnd + ") is empty or negative");
        }
        parameters = Parameters.copy(parameters);
    }

    public int length() {
        return layerEnd - layerStart;
    }
}
