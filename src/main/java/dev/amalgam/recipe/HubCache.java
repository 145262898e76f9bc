package dev.amalgam.recipe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The local Hugging Face hub cache, where {@code huggingface-cli download} puts models: a hub id
 * {@code ORG/NAME[@REVISION]} lives in {@code <root>/models--ORG--NAME/snapshots/<commit>/}, and
 * {@code refs/<revision>} (default {@code main}) holds the commit. Read only; no network.
 *
 * @param root the cache folder: {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
 *             {@code ~/.cache/huggingface/hub} (huggingface_hub's own order)
 */
public record HubCache(Path root) {
    private static final String DEFAULT_REVISION = "main";

    /** The cache the user's environment names. */
    public static HubCache fromEnvironment() {
        return of(System.getenv(), System.getProperty("user.home"));
    }

    /** The cache named by these environment variables, with {@code home} as the user's home folder. */
    static HubCache of(Map<String, String> env, String home) {
        String hubCache = env.get("HF_HUB_CACHE");
        if (hubCache != null && !hubCache.isBlank()) {
            return new HubCache(Path.of(hubCache));
        }
        String hfHome = env.get("HF_HOME");
        if (hfHome != null && !hfHome.isBlank()) {
            return new HubCache(Path.of(hfHome, "hub"));
        }
        return new HubCache(Path.of(home, ".cache", "huggingface", "hub"));
    }

    /** The repository's folder in the cache, whether or not it exists. */
    public Path repoFolder(String repoId) {
        return root.resolve("models--" + repoId.replace("/", "--"));
    }

    /**
     * The snapshot folder of {@code repoId} at {@code revision} (null: main): a branch or tag through
     * {@code refs/}, or a commit hash directly. Empty when it is not downloaded.
     */
    public Optional<Path> snapshot(String repoId, String revision) {
        String rev = revision == null ? DEFAULT_REVISION : revision;
        Path repo = repoFolder(repoId);
        Path ref = repo.resolve("refs").resolve(rev);
        try {
            String commit = Files.isRegularFile(ref) ? Files.readString(ref).strip() : rev;
            Path snapshot = repo.resolve("snapshots").resolve(commit);
            return Files.isDirectory(snapshot) ? Optional.of(snapshot) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ref, e);
        }
    }
}
