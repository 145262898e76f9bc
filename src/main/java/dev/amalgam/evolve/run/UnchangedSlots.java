package dev.amalgam.evolve.run;

import dev.amalgam.arch.Architecture;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.evolve.config.GenomeSpec;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.TensorSlice;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The genome slots (layer group, filter group) in which every genome model equals the base bit for bit, so that with
 * a task-arithmetic method their genes cannot change the merge (e.g. the attention and embeddings of specialists
 * fine-tuned on the MLPs only). Tensors are compared as raw bytes and the comparison stops at the first difference, so
 * only tensors that really are equal are read in full.
 *
 * <p>Conservative where a gene reaches beyond its layers: a non-layer tensor (embeddings, final norm, head) takes the
 * parameters of the first or last slice, so one that changed keeps its filter group searched in every layer group; in
 * smooth mode each gene is a gradient stop that shapes every layer, so a filter group is unchanged only if it is
 * unchanged in all layers.
 */
final class UnchangedSlots {
    private UnchangedSlots() {
    }

    /** @param groupStart the genome's [groups + 1] layer boundaries */
    static Set<Genome.Slot> find(GenomeSpec spec, List<ModelRef> models, ModelRef base, int[] groupStart) {
        int groups = groupStart.length - 1;
        int filterGroups = spec.filters().size() + 1;
        boolean[][] changed = new boolean[groups][filterGroups];
        Path basePath = Path.of(base.text());
        try (SafetensorsModel baseModel = SafetensorsModel.open(basePath)) {
            List<SafetensorsModel> opened = new ArrayList<>();
            try {
                for (ModelRef m : models) {
                    opened.add(SafetensorsModel.open(Path.of(m.text())));
                }
                Architecture arch = Architecture.forConfig(ModelConfig.read(basePath), baseModel.tensorNames());
                for (String name : baseModel.tensorNames()) {
                    int filter = filterGroup(spec.filters(), name);
                    OptionalInt layer = arch.layerIndex(name);
                    int group = layer.isPresent() ? groupOf(layer.getAsInt(), groupStart) : -1;
                    if (group >= 0 && changed[group][filter] && !spec.smooth()) {
                        continue; // already known to matter
                    }
                    if (differs(baseModel, opened, name)) {
                        for (int g = 0; g < groups; g++) {
                            changed[g][filter] |= group < 0 || spec.smooth() || g == group;
                        }
                    }
                }
            } finally {
                opened.forEach(SafetensorsModel::close);
            }
        }
        Set<Genome.Slot> unchanged = new HashSet<>();
        for (int g = 0; g < groups; g++) {
            for (int f = 0; f < filterGroups; f++) {
                if (!changed[g][f]) {
                    unchanged.add(new Genome.Slot(g, f));
                }
            }
        }
        return unchanged;
    }

    /** The first filter that is a substring of the name (as a filter list chooses), else the catch-all group. */
    private static int filterGroup(List<String> filters, String name) {
        for (int f = 0; f < filters.size(); f++) {
            if (name.contains(filters.get(f))) {
                return f;
            }
        }
        return filters.size();
    }

    private static int groupOf(int layer, int[] groupStart) {
        for (int g = 0; g + 1 < groupStart.length; g++) {
            if (layer < groupStart[g + 1]) {
                return g;
            }
        }
        return groupStart.length - 2;
    }

    /** Whether any model's tensor differs from the base's (a missing tensor or another dtype counts as different). */
    private static boolean differs(SafetensorsModel base, List<SafetensorsModel> models, String name) {
        TensorSlice b = base.slice(name);
        for (SafetensorsModel m : models) {
            if (!m.has(name)) {
                return true;
            }
            TensorSlice t = m.slice(name);
            if (t.dtype() != b.dtype() || t.data().mismatch(b.data()) >= 0) {
                return true;
            }
        }
        return false;
    }
}
