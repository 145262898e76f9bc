package dev.amalgam.arch;

import dev.amalgam.BadInputException;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Checks that models to be merged tensor by tensor hold the same tensors. */
public final class TensorSetCheck {
    private TensorSetCheck() {
    }

    /**
     * Throws naming the first tensor (in the reference's order) that a model lacks or has extra,
     * e.g. "model 'b' lacks tensor 'model.layers.3.mlp.up_proj.weight' that model 'a' has".
     *
     * @param tensorsByModel model label -> its tensor names, in recipe order; the first is the reference
     */
    public static void requireSame(Map<String, ? extends Collection<String>> tensorsByModel) {
        if (tensorsByModel.size() < 2) {
            return;
        }
        Map.Entry<String, ? extends Collection<String>> reference = tensorsByModel.entrySet().iterator().next();
        Set<String> referenceSet = new HashSet<>(reference.getValue());
        for (Map.Entry<String, ? extends Collection<String>> other : tensorsByModel.entrySet()) {
            Set<String> otherSet = new HashSet<>(other.getValue());
            for (String name : reference.getValue()) {
                if (!otherSet.contains(name)) {
                    throw mismatch(other.getKey(), "lacks", name, reference.getKey(), "has", referenceSet, otherSet);
                }
            }
            for (String name : other.getValue()) {
                if (!referenceSet.contains(name)) {
                    throw mismatch(other.getKey(), "has", name, reference.getKey(), "lacks", referenceSet, otherSet);
                }
            }
        }
    }

    private static BadInputException mismatch(String model, String verb, String tensor, String referenceModel,
                                              String referenceVerb, Set<String> referenceSet, Set<String> otherSet) {
        Set<String> onlyOne = new HashSet<>(referenceSet);
        onlyOne.addAll(otherSet);
        Set<String> both = new HashSet<>(referenceSet);
        both.retainAll(otherSet);
        onlyOne.removeAll(both);
        int more = onlyOne.size() - 1;
        return new BadInputException("model '" + model + "' " + verb + " tensor '" + tensor + "' that model '"
                + referenceModel + "' " + referenceVerb + (more > 0 ? " (and " + more + " more differing tensors)" : ""));
    }
}
