package dev.amalgam.recipe;

import java.util.Map;
import java.util.Objects;

/** One {@code models[i]} entry: a model over its full layer range with its per-model parameters. */
public record ModelEntry(ModelRef model, Map<String, ParameterValue> parameters) {
    public ModelEntry {
        Objects.requireNonNull(model, "model");
        parameters = Parameters.copy(parameters);
    }
}
