package dev.amalgam.recipe;

import dev.amalgam.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A model reference exactly as the recipe writes it ({@code path_or_repo[@revision]}). Two
 * references are the same model when their text is equal, as in mergekit. Only local folders are
 * supported: Hugging Face hub ids and {@code +lora} suffixes are rejected with a clear message.
 */
public record ModelRef(String text) {
    /** {@code org/name} or {@code org/name@revision}: what a hub id looks like. */
    private static final Pattern HUB_ID = Pattern.compile("[\\w.-]+/[\\w.-]+(@[\\w./-]+)?");

    public ModelRef {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("model reference must not be blank");
        }
    }

    /** Validates user text; {@code where} prefixes error messages ("recipe.yaml: models[0].model"). */
    public static ModelRef parse(String text, String where) {
        if (text.isBlank()) {
            throw new BadInputException(where + ": expected a model path, got an empty string");
        }
        if (text.contains("+")) {
            throw new BadInputException(where + ": LoRA references ('" + text + "') are not supported yet;"
                    + " merge the LoRA into its model first and give that folder");
        }
        return new ModelRef(text);
    }

    /**
     * The model's local folder (absolute and normalised): the text as an absolute path, else relative
     * to the recipe's folder, else relative to the working directory.
     *
     * @param where prefixes error messages ("recipe.yaml: models[1].model")
     */
    public Path resolve(Path recipeDir, String where) {
        Path given = Path.of(text);
        Path[] candidates = given.isAbsolute()
                ? new Path[]{given}
                : new Path[]{recipeDir.resolve(given), given.toAbsolutePath()};
        for (Path candidate : candidates) {
            if (Files.isDirectory(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        for (Path candidate : candidates) {
            if (Files.exists(candidate)) {
                throw new BadInputException(where + ": model '" + text + "' is not a folder (" + candidate
                        + "); give the folder holding config.json and the safetensors files");
            }
        }
        if (!given.isAbsolute() && !text.startsWith(".") && HUB_ID.matcher(text).matches()) {
            throw new BadInputException(where + ": model '" + text + "' is not a local folder (Hugging Face hub"
                    + " downloads are not supported yet; download it and give the path)");
        }
        throw new BadInputException(where + ": model folder '" + text + "' not found (looked in "
                + (given.isAbsolute() ? given : recipeDir.toAbsolutePath().normalize() + " and the working directory")
                + ")");
    }

    @Override
    public String toString() {
        return text;
    }
}
