package dev.amalgam.bench;

import dev.amalgam.Fixtures;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticLlamaTest {
    @TempDir
    Path tmp;

    /**
     * A model whose making fails (here: no tokenizer files where they are read) leaves no folder that a later run would
     * take for a made model, as a folder with config.json but no tokenizer once did; the next run makes it whole.
     */
    @Test
    void aModelIsRenamedIntoPlaceOnlyWhenWhole() {
        SyntheticLlama shape = new SyntheticLlama(64, 128, 2, 4, 2, 512, false);
        Path model = tmp.resolve("base");
        assertThrows(UncheckedIOException.class, () -> shape.writeScorable(model, DType.BF16, 1, 0, 0f, tmp.resolve("none")));
        assertFalse(Files.exists(model), "no model folder after a failed making");
        assertTrue(Files.isDirectory(tmp.resolve("base.part")), "its staging folder, with what was written");
        shape.writeScorable(model, DType.BF16, 1, 0, 0f, Fixtures.stories260K());
        for (String f : new String[]{"config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
            assertTrue(Files.exists(model.resolve(f)), f);
        }
        assertFalse(Files.exists(tmp.resolve("base.part")), "the staging folder renamed");
        assertFalse(Files.exists(model.resolve(SyntheticLlama.STAGING)), "no staging mark in the made model");
    }

    /** A {@code .part} folder it did not make (no staging mark) is refused, and what is in it stays. */
    @Test
    void aStagingFolderOfSomeoneElsesIsNotReplaced() throws IOException {
        SyntheticLlama shape = new SyntheticLlama(64, 128, 2, 4, 2, 512, false);
        Path theirs = Files.createDirectories(tmp.resolve("base.part"));
        Files.writeString(theirs.resolve("notes.txt"), "mine");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> shape.writeScorable(tmp.resolve("base"), DType.BF16, 1, 0, 0f, Fixtures.stories260K()));
        assertTrue(e.getMessage().contains(theirs.toString()), e.getMessage());
        assertEquals("mine", Files.readString(theirs.resolve("notes.txt")));
        assertFalse(Files.exists(tmp.resolve("base")), "no model made");
    }
}
