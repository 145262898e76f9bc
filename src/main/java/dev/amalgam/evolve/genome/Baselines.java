package dev.amalgam.evolve.genome;

import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.ModelEntry;
import dev.amalgam.recipe.ModelRef;
import dev.amalgam.recipe.ParameterValue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the search's result is compared with on the held-out split: the base (if any), each genome model alone, their
 * uniform linear average and TIES with the method's default densities (when there is a base), all in the genome's
 * dtype, so they are scored exactly as candidates are.
 */
public final class Baselines {
    /** A named recipe. */
    public record Baseline(String name, MergeRecipe recipe) {
    }

    private Baselines() {
    }

    public static List<Baseline> of(Genome genome) {
        List<Baseline> out = new ArrayList<>();
        ModelRef base = genome.baseModel();
        if (base != null) {
            out.add(new Baseline("base", alone(genome, base)));
        }
        out.addAll(parents(genome));
        double w = 1.0 / genome.models().size();
        List<ModelEntry> uniform = genome.models().stream().map(m -> new ModelEntry(m, Map.of("weight", ParameterValue.of(w)))).toList();
        out.add(new Baseline("linear-uniform", genome.recipe("linear", null, uniform, Map.of())));
        if (base != null && genome.models().size() > 1) {
            out.add(new Baseline("ties-default-density", genome.recipe("ties", base, uniform, Map.of())));
        }
        return out;
    }

    /** Each genome model alone, named {@code model:<label>} with the label its genes use. */
    public static List<Baseline> parents(Genome genome) {
        List<String> labels = genome.genes().stream().filter(g -> g.model() >= 0).map(g -> g.name().split("/")[1]).distinct().toList();
        List<Baseline> out = new ArrayList<>();
        for (int m = 0; m < genome.models().size(); m++) {
            out.add(new Baseline("model:" + (labels.isEmpty() ? Path.of(genome.models().get(m).text()).getFileName() : labels.get(m)),
                    alone(genome, genome.models().get(m))));
        }
        return out;
    }

    private static MergeRecipe alone(Genome genome, ModelRef model) {
        return genome.recipe("linear", null, List.of(new ModelEntry(model, Map.of("weight", ParameterValue.of(1.0)))), Map.of());
    }
}
