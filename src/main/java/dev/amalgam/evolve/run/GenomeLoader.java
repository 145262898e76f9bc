package dev.amalgam.evolve.run;

import dev.amalgam.BadInputException;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.evolve.config.GenomeSpec;
import dev.amalgam.evolve.config.SearchConfig;
import dev.amalgam.evolve.genome.Genome;
import dev.amalgam.recipe.ModelRef;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The genome of a search config, from the files it names: model folders resolved against the config file, the
 * layer count read from their config.json (the genome itself does no file I/O).
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
        return new Genome(spec, resolved, base, layers, config.search().seed(), config.file());
    }
}
