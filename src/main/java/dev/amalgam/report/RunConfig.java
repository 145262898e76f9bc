package dev.amalgam.report;

import dev.amalgam.BadValueException;
import dev.amalgam.files.ConfigNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The parts of {@code run.yaml} the report uses, plus its text for the HTML page. Fields a running or older
 * search may not have written yet are optional; {@code parents} are the input models scored as-is.
 */
record RunConfig(String yamlText, String strategy, List<GeneBounds> genes,
                 List<ParentScore> parents) {
    static final String UNKNOWN = "unknown";

    RunConfig {
        genes = List.copyOf(genes);
        parents = List.copyOf(parents);
    }

    /** A gene's search interval. */
    record GeneBounds(String name, double min, double max) {
        GeneBounds {
            if (!(min <= max)) {
                throw new BadValueException("max", "expected at least min (" + min + "), got " + max);
            }
        }
    }

    /** An input model's fitness before merging: search split, and held-out split when the writer scored it. */
    record ParentScore(String model, double fitness, OptionalDouble heldoutFitness) {
    }

    static RunConfig read(Path file) {
        String text = ConfigNode.readText(file, "the run config written by amalgam evolve");
        ConfigNode root = ConfigNode.parseYaml(text, file).mapping("a YAML mapping (the resolved search config)");
        List<GeneBounds> genes = new ArrayList<>();
        for (ConfigNode gene : root.get("genes").optionalList("a list of {name, min, max}")) {
            String name = gene.get("name").scalar("a gene name");
            double min = gene.get("min").number("a number");
            double max = gene.get("max").number("a number");
            genes.add(gene.build(() -> new GeneBounds(name, min, max)));
        }
        List<ParentScore> parents = new ArrayList<>();
        for (ConfigNode parent : root.get("parents").optionalList("a list of {model, fitness, heldout_fitness}")) {
            ConfigNode heldout = parent.get("heldout_fitness");
            parents.add(new ParentScore(parent.get("model").scalar("a model path"), parent.get("fitness").number("a number"),
                    heldout.isNumber() ? OptionalDouble.of(heldout.number("a number")) : OptionalDouble.empty()));
        }
        // The contract puts strategy at the top level; the resolved config also has it under search:.
        String strategy = root.get("strategy").scalar("a strategy name",
                root.get("search").get("strategy").scalar("a strategy name", UNKNOWN));
        return new RunConfig(text, strategy, genes, parents);
    }

    /** The parent with the highest search fitness, if the writer scored the parents. */
    Optional<ParentScore> bestParent() {
        return parents.stream().max(Comparator.comparingDouble(ParentScore::fitness));
    }
}
