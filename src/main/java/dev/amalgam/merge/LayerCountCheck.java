package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import dev.amalgam.arch.Architecture;
import dev.amalgam.arch.ModelConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * Each input's config.json must count the layers its tensors hold: a smaller count silently drops layers from the
 * merge, a larger one writes a model whose config promises layers it lacks.
 */
final class LayerCountCheck {
    private LayerCountCheck() {
    }

    static void check(Architecture arch, List<Path> models, MergePlanner.ModelSource source) {
        for (Path model : models) {
            int stored = -1;
            for (String name : source.model(model).tensorNames()) {
                stored = Math.max(stored, arch.layerIndex(name).orElse(-1));
            }
            stored++;
            if (stored == 0 && !arch.known()) {
                continue; // an unknown layout without recognisable layers is merged by name
            }
            ModelConfig config = source.config(model);
            int declared = config.layerCount(arch.layerCountKey());
            if (declared != stored) {
                String held = stored == 0 ? "no layer tensors (" + arch.layerPrefix() + "N.*)"
                        : stored + " layers (" + arch.layerPrefix() + "0 to " + arch.layerPrefix() + (stored - 1) + ")";
                throw new BadInputException(config.file() + ": " + arch.layerCountKey() + " is " + declared + " but the tensors hold " + held);
            }
        }
    }
}
