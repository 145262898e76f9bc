package dev.amalgam.recipe;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Immutable, order-preserving copies of parameter maps (order keeps written YAML readable). */
final class Parameters {
    private Parameters() {
    }

    static Map<String, ParameterValue> copy(Map<String, ParameterValue> parameters) {
        return parameters == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }
}
