package dev.amalgam.recipe;

import dev.amalgam.BadInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The merges of a recipe file in the order they run: a one-document recipe is one stage; a
 * multi-document one (mergekit-multi) has named stages that later ones use as models by name, and
 * one final stage (the unnamed one, else the only stage no other uses).
 *
 * @param stages in dependency order, the final stage last
 */
public record RecipeStages(List<Stage> stages) {
    /** One merge; {@code name} is null for an unnamed (final) stage. */
    public record Stage(String name, MergeRecipe recipe) {
        /** The names of the other stages this one uses as a model. */
        Set<String> uses(Set<String> stageNames) {
            Set<String> used = new LinkedHashSet<>();
            recipe.referencedModels().keySet().forEach(ref -> {
                if (stageNames.contains(ref.text())) {
                    used.add(ref.text());
                }
            });
            return used;
        }
    }

    public RecipeStages {
        stages = List.copyOf(stages);
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a recipe has at least one stage");
        }
    }

    public Stage finalStage() {
        return stages.getLast();
    }

    /** Orders the documents' stages, checking names, references and cycles; errors name the file. */
    static RecipeStages of(List<Stage> documents, Path file) {
        if (documents.size() == 1) {
            return new RecipeStages(documents);
        }
        Map<String, Stage> byName = new LinkedHashMap<>();
        List<Stage> unnamed = new ArrayList<>();
        for (Stage s : documents) {
            if (s.name() == null) {
                unnamed.add(s);
            } else if (byName.put(s.name(), s) != null) {
                throw new BadInputException(file + ": two stages are named '" + s.name() + "'");
            }
        }
        if (unnamed.size() > 1) {
            throw new BadInputException(file + ": " + unnamed.size() + " stages have no name; name all but the final one");
        }
        Set<String> used = new HashSet<>();
        documents.forEach(s -> used.addAll(s.uses(byName.keySet())));
        Stage last;
        if (!unnamed.isEmpty()) {
            last = unnamed.getFirst();
        } else {
            List<String> sinks = byName.keySet().stream().filter(n -> !used.contains(n)).toList();
            if (sinks.size() != 1) {
                throw new BadInputException(file + ": stages " + sinks + " are used by no other stage; leave the final"
                        + " one unnamed (or use it in another)");
            }
            last = byName.get(sinks.getFirst());
        }
        List<Stage> order = new ArrayList<>();
        Map<String, Boolean> state = new HashMap<>(); // false: being visited, true: done
        for (String n : byName.keySet()) {
            visit(n, byName, state, order, new ArrayList<>(), file);
        }
        order.remove(last); // every stage the final one uses comes before it already
        order.add(last);
        return new RecipeStages(order);
    }

    private static void visit(String name, Map<String, Stage> byName, Map<String, Boolean> state, List<Stage> order,
                              List<String> path, Path file) {
        Boolean s = state.get(name);
        if (Boolean.TRUE.equals(s)) {
            return;
        }
        path.add(name);
        if (s != null) {
            throw new BadInputException(file + ": stages use each other in a cycle: " + String.join(" -> ", path));
        }
        state.put(name, false);
        for (String dep : byName.get(name).uses(byName.keySet())) {
            visit(dep, byName, state, order, path, file);
        }
        state.put(name, true);
        order.add(byName.get(name));
        path.removeLast();
    }
}
