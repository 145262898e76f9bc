package dev.amalgam.recipe;

import dev.amalgam.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model reference exactly as the recipe writes it ({@code path_or_repo[@revision]}). Two
 * references are the same model when their text is equal, as in mergekit. Only local folders are
 * supported, found directly or as hub ids in the local Hugging Face cache ({@link HubCache});
 * {@code +lora} suffixes are rejected with a clear message.
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
     * The model's local folder (absolute and normalised): the text as an absolute path, else, for a hub
     * id ({@code ORG/NAME[@REVISION]}), its snapshot in the local Hugging Face cache, else the text
     * relative to the recipe's folder, else relative to the working directory. Never downloads.
     *
     * @param where prefixes error messages ("recipe.yaml: models[1].model")
     */
    public Path resolve(Path recipeDir, String where) {
        return resolve(recipeDir, where, HubCache.fromEnvironment());
    }

    Path resolve(Path recipeDir, String where, HubCache cache) {
        Path given = Path.of(text);
        boolean hubId = !given.isAbsolute() && !text.startsWith(".") && HUB_ID.matcher(text).matches()
                && !text.contains("..");
        String repo = hubId ? text.replaceFirst("@.*", "") : null;
        String revision = hubId && text.contains("@") ? text.substring(text.indexOf('@') + 1) : null;
        if (hubId) {
            Optional<Path> snapshot = cache.snapshot(repo, revision);
            if (snapshot.isPresent()) {
                return snapshot.get().toAbsolutePath().normalize();
            }
        }
        List<Path> candidates = given.isAbsolute() ? List.of(given)
                : hubId && revision != null ? List.of(recipeDir.resolve(given), recipeDir.resolve(repo), given.toAbsolutePath())
                : List.of(recipeDir.resolve(given), given.toAbsolutePath());
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
        if (hubId) {
            throw new BadInputException(where + ": model '" + text + "' is not downloaded (looked in the Hugging Face cache "
                    + cache.repoFolder(repo) + " and in " + recipeDir.toAbsolutePath().normalize().resolve(repo)
                    + "); download it with: huggingface-cli download " + repo
                    + (revision == null ? "" : " --revision " + revision) + " (Amalgam never downloads)");
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
