package dev.amalgam.arch;

import dev.amalgam.BadInputException;

import java.util.Collection;

/**
 * A config.json must count the layers its model's tensors hold: a smaller count silently drops layers (from a merge,
 * from a scored forward pass), a larger one writes or runs a model whose config promises layers it lacks. The merge
 * planner checks every input with it, the forward pass the model it loads.
 */
public final class LayerCountCheck {
    private LayerCountCheck() {
    }

    /** Throws naming the config file, its layer-count key and what the tensors hold when the two disagree. */
    public static void require(Architecture arch, ModelConfig config, Collection<String> tensorNames) {
        int stored = -1;
        for (String name : tensorNames) {
            stored = Math.max(stored, arch.layerIndex(name).orElse(-1));
        }
        stored++;
        if (stored == 0 && !arch.known()) {
            return; // an unknown layout without recognisable layers is merged by name
        }
        int declared = arch.layerCount(config);
        if (declared != stored) {
            String held = stored == 0 ? "no layer tensors (" + arch.layerPrefix() + "N.*)"
                    : stored + " layers (" + arch.layerPrefix() + "0 to " + arch.layerPrefix() + (stored - 1) + ")";
            throw new BadInputException(config.file() + ": " + arch.layerCountKey() + " is " + declared + " but the tensors hold " + held);
        }
    }
}
