package dev.amalgam.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SharedFixturesTest {
    @TempDir
    Path tmp;

    /** Beside a checkout (../shared/fixtures, stories260K/hf) first, else the GPU bundle's layout (fixtures/stories260K). */
    @Test
    void aCheckoutsSharedFixturesElseTheBundles() throws IOException {
        Path bundle = tmp.resolve("amalgam-gpu");
        Files.createDirectories(bundle.resolve("fixtures/stories260K"));
        assertEquals(bundle.resolve("fixtures/stories260K"), at(bundle).stories());
        assertEquals(bundle.resolve("fixtures/eval").toAbsolutePath(), at(bundle).eval());
        Path checkout = tmp.resolve("main");
        Files.createDirectories(tmp.resolve("shared/fixtures/stories260K/hf"));
        Files.createDirectories(checkout.resolve("fixtures")); // not this one: the shared folder is there
        assertEquals(tmp.resolve("shared/fixtures/stories260K/hf"), at(checkout).stories());
    }

    private static SharedFixtures at(Path home) {
        String before = System.getProperty("amalgam.home");
        System.setProperty("amalgam.home", home.toString());
        try {
            return SharedFixtures.find();
        } finally {
            if (before == null) {
                System.clearProperty("amalgam.home");
            } else {
                System.setProperty("amalgam.home", before);
            }
        }
    }
}
