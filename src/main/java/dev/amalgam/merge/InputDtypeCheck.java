package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import dev.amalgam.safetensors.TensorInfo;

import java.nio.file.Path;
import java.util.List;

/**
 * The inputs of one output tensor must agree on the kind of data: floating-point tensors are widened and merged,
 * integer ones copied from the first model. A float in one model and an integer in another means a mislabelled file.
 */
final class InputDtypeCheck {
    private InputDtypeCheck() {
    }

    /**
     * @param file   the recipe file name, for the message
     * @param models each input's model folder, in the order of {@code infos}
     */
    static void check(String file, String outName, List<Path> models, List<TensorInfo> infos) {
        TensorInfo first = infos.getFirst();
        for (int i = 1; i < infos.size(); i++) {
            TensorInfo other = infos.get(i);
            boolean sameKind = other.dtype().isFloating() == first.dtype().isFloating();
            if (!sameKind || !first.dtype().isFloating() && other.dtype() != first.dtype()) {
                throw new BadInputException(file + ": tensor '" + outName + "' is " + other.dtype() + " in model " + models.get(i)
                        + " but " + first.dtype() + " in model " + models.getFirst() + "; the inputs of a merged tensor must all be "
                        + (first.dtype().isFloating() ? "floating-point" : first.dtype()) + " (is a safetensors header mislabelled?)");
            }
        }
    }
}
