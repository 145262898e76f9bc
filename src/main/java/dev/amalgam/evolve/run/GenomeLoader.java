package dev.amalgam.evolve.run;

import dev.amalgam.BadInputException;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.evolve.config.GenomeSpec;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.merge.MergeMethods;
import dev.amalgam.recipe.ModelRef;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The genome of a search config, from the files it names: model folders resolved against the config file, the
 * layer count read from their config.json, and the slots no model changed ({@link UnchangedSlots}), whose genes are
 * left out (the genome itself does no file I/O).
 */
public final class GenomeLoader {
    private GenomeLoader() {
    }

    public static Genome load(SearchConfig config) {
        GenomeSpec spec = config.genome();
        Path dir = config.file().toAbsolutePath().getParent();
        List<ModelRef> resolved = new ArrayList<>();
        for (int i = 0; i < spec.models().size(); i++) {
            resolved.add(new ModelRef(spec.models().get(i).resolve(dir, config.file() + ": genome.models[" + i + "]").toString()));
        }
        ModelRef base = spec.baseModel() == null ? null
                : new ModelRef(spec.baseModel().resolve(dir, config.file() + ": genome.base_model").toString());
        int layers = ModelConfig.read(Path.of(resolved.getFirst().text())).numHiddenLayers();
        for (int i = 1; i < resolved.size(); i++) {
            int other = ModelConfig.read(Path.of(resolved.get(i).text())).numHiddenLayers();
            if (other != layers) {
                throw new BadInputException(config.file() + ": genome.models[" + i + "] has " + other + " layers but models[0] has " + layers);
            }
        }
        Genome full = new Genome(spec, resolved, base, layers, config.search().seed(), config.file());
        if (base == null || !MergeMethods.byName(spec.mergeMethod(), "genome.merge_method").returnsBaseWhereModelsEqualIt()) {
            return full;
        }
        int[] groupStart = new int[full.groups() + 1];
        for (int g = 0; g < full.groups(); g++) {
            groupStart[g + 1] = full.groupLayers(g)[1];
        }
        Set<Genome.Slot> unchanged = UnchangedSlots.find(spec, resolved, base, groupStart);
        Genome genome = new Genome(spec, resolved, base, layers, config.search().seed(), config.file(), unchanged);
        if (genome.size() == 0) {
            throw new BadInputException(config.file() + ": genome.models: every model equals genome.base_model, nothing to search");
        }
        return genome;
    }

    /** The one-line note on genes left out of the search, or null when every gene is searched. */
    public static String leftOutNote(Genome genome) {
        List<Genome.Gene> left = genome.leftOut();
        if (left.isEmpty()) {
            return null;
        }
        return "genome: " + left.size() + " of " + (left.size() + genome.size()) + " genes left out (every model equals the base "
                + "where they apply, so they cannot change the merge; the recipe writes them at neutral values): "
                + String.join(", ", left.stream().map(Genome.Gene::name).limit(6).toList()) + (left.size() > 6 ? ", ..." : "");
    }
}
