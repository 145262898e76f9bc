package dev.amalgam.report;

/**
 * A gene column name split into its parts: {@code parameter/model/group[/filter]}, e.g. {@code weight/ft-a/g0} or
 * {@code density/ft-b/g1/mlp}. Genes that are not per model or per layer group get {@code "all"} for those parts.
 */
record GeneName(String full, String parameter, String model, String group, String filter) {
    static final String ALL = "all";

    GeneName {
        if (full.isBlank() || parameter.isBlank() || model.isBlank() || group.isBlank()) {
            throw new IllegalArgumentException("gene name parts must not be blank: '" + full + "'");
        }
    }

    static GeneName parse(String full) {
        String[] parts = full.split("/", 4);
        return new GeneName(full, parts[0], parts.length > 1 ? parts[1] : ALL, parts.length > 2 ? parts[2] : ALL,
                parts.length > 3 ? parts[3] : "");
    }

    /** The panel this gene is drawn in: one per parameter and tensor filter ({@code *}: the other tensors). */
    String panel() {
        return switch (filter) {
            case "" -> parameter;
            case "*" -> parameter + " [other tensors]";
            default -> parameter + " [" + filter + "]";
        };
    }
}
