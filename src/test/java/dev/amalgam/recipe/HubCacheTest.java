package dev.amalgam.recipe;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hub ids resolve from a cache laid out as huggingface-cli writes it. */
class HubCacheTest {
    @Test
    void rootFollowsHuggingFaceHubsOrder() {
        assertEquals(Path.of("/c"), HubCache.of(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/h"), "/home/u").root());
        assertEquals(Path.of("/h/hub"), HubCache.of(Map.of("HF_HOME", "/h"), "/home/u").root());
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), HubCache.of(Map.of(), "/home/u").root());
    }

    /** A cache with mistralai/Mistral-7B-v0.1 at two commits, main pointing at the second, and a tag. */
    static HubCache cache(Path root) throws IOException {
        Path repo = root.resolve("models--mistralai--Mistral-7B-v0.1");
        Files.createDirectories(repo.resolve("snapshots/aaa111"));
        Files.createDirectories(repo.resolve("snapshots/bbb222"));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), "bbb222");
        Files.writeString(repo.resolve("refs/v1"), "aaa111\n");
        return new HubCache(root);
    }

    @Test
    void hubIdsResolveToTheirSnapshot(@TempDir Path dir) throws IOException {
        HubCache cache = cache(dir.resolve("hub"));
        Path repo = dir.resolve("hub/models--mistralai--Mistral-7B-v0.1/snapshots");
        assertEquals(repo.resolve("bbb222"), new ModelRef("mistralai/Mistral-7B-v0.1").resolve(dir, "r.yaml: base_model", cache));
        assertEquals(repo.resolve("aaa111"), new ModelRef("mistralai/Mistral-7B-v0.1@v1").resolve(dir, "r.yaml: base_model", cache));
        assertEquals(repo.resolve("aaa111"), new ModelRef("mistralai/Mistral-7B-v0.1@aaa111").resolve(dir, "r.yaml: base_model", cache));
    }

    @Test
    void aFolderOfThatNameBesideTheRecipeIsTheFallback(@TempDir Path dir) throws IOException {
        HubCache cache = cache(dir.resolve("hub"));
        Path local = Files.createDirectories(dir.resolve("recipes/org/model"));
        assertEquals(local, new ModelRef("org/model").resolve(dir.resolve("recipes"), "r.yaml: base_model", cache));
        assertEquals(local, new ModelRef("org/model@dev").resolve(dir.resolve("recipes"), "r.yaml: base_model", cache));
    }

    @Test
    void aMissingModelSaysWhereItLookedAndHowToDownloadIt(@TempDir Path dir) throws IOException {
        HubCache cache = cache(dir.resolve("hub"));
        String message = assertThrows(BadInputException.class,
                () -> new ModelRef("mistralai/Mistral-7B-v0.1@v9").resolve(dir, "r.yaml: models[0].model", cache)).getMessage();
        assertEquals("r.yaml: models[0].model: model 'mistralai/Mistral-7B-v0.1@v9' is not downloaded (looked in the"
                + " Hugging Face cache " + dir.resolve("hub/models--mistralai--Mistral-7B-v0.1") + " and in "
                + dir.resolve("mistralai/Mistral-7B-v0.1") + "); download it with: huggingface-cli download"
                + " mistralai/Mistral-7B-v0.1 --revision v9 (Amalgam never downloads)", message);
        assertTrue(message.contains("--revision v9"), message);
    }
}
