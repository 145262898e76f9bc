package dev.amalgam.report;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.amalgam.BadInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
                throw new IllegalArgumentException("gene " + name + ": min > max");
            }
        }
    }

    /** An input model's fitness before merging: search split, and held-out split when the writer scored it. */
    record ParentScore(String model, double fitness, OptionalDouble heldoutFitness) {
    }

    static RunConfig read(Path file) {
        String text;
        JsonNode root;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
            root = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": missing (expected the run config written by amalgam evolve)");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new BadInputException(file + (at == null ? "" : " line " + at.getLineNr()) + ": not valid YAML: "
                    + e.getOriginalMessage().replaceAll("\\s+", " "), e);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file + " line 1: expected a YAML mapping (the resolved search config)");
        }
        List<GeneBounds> genes = new ArrayList<>();
        for (JsonNode gene : root.path("genes")) {
            genes.add(new GeneBounds(required(file, gene, "genes[].name").asText(),
                    number(file, gene, "genes[].min"), number(file, gene, "genes[].max")));
        }
        List<ParentScore> parents = new ArrayList<>();
        for (JsonNode parent : root.path("parents")) {
            JsonNode heldout = parent.path("heldout_fitness");
            parents.add(new ParentScore(required(file, parent, "parents[].model").asText(),
                    number(file, parent, "parents[].fitness"),
                    heldout.isNumber() ? OptionalDouble.of(heldout.asDouble()) : OptionalDouble.empty()));
        }
        // The contract puts strategy at the top level; the resolved config also has it under search:.
        String strategy = root.hasNonNull("strategy") ? root.get("strategy").asText()
                : root.path("search").path("strategy").asText(UNKNOWN);
        return new RunConfig(text, strategy, genes, parents);
    }

    private static JsonNode required(Path file, JsonNode node, String field) {
        String key = field.substring(field.lastIndexOf('.') + 1);
        if (!node.hasNonNull(key)) {
            throw new BadInputException(file + ": " + field + " is missing");
        }
        return node.get(key);
    }

    private static double number(Path file, JsonNode node, String field) {
        JsonNode value = required(file, node, field);
        if (!value.isNumber()) {
            throw new BadInputException(file + ": " + field + " must be a number, got '" + value.asText() + "'");
        }
        return value.asDouble();
    }

    /** The parent with the highest search fitness, if the writer scored the parents. */
    Optional<ParentScore> bestParent() {
        return parents.stream().max(Comparator.comparingDouble(ParentScore::fitness));
    }
}
