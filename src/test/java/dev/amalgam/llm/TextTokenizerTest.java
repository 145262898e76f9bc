package dev.amalgam.llm;

import dev.amalgam.BadInputException;
import dev.amalgam.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stories260K tokenizer.json against run.c's encodings (BOS first, as run.c's encode(bos=1)). */
class TextTokenizerTest {
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = TextTokenizer.load(Fixtures.stories260K());
    }

    @AfterAll
    static void close() {
        if (tokenizer != null) { // null when the fixture is missing and the class was skipped
            tokenizer.close();
        }
    }

    @Test
    void encodingWithSpecialTokensMatchesAllReferenceEncodings() {
        List<Stories260K.Encoding> encodings = Stories260K.encodings();
        assertEquals(13, encodings.size());
        for (Stories260K.Encoding e : encodings) {
            assertArrayEquals(e.promptTokens(), tokenizer.encode(e.prompt(), true), "'" + e.prompt() + "'");
            int[] plain = tokenizer.encode(e.prompt(), false);
            assertArrayEquals(Arrays.copyOfRange(e.promptTokens(), 1, e.promptTokens().length), plain, "'" + e.prompt() + "'");
        }
    }

    @Test
    void specialIdsComeFromTheConfig() {
        assertEquals(1, tokenizer.bosId().orElseThrow());
        assertEquals(2, tokenizer.eosId().orElseThrow());
    }

    @Test
    void decodeGivesTheReferenceTextOfEveryGeneration() {
        List<Stories260K.Generation> generations = Stories260K.generations();
        assertEquals(8, generations.size());
        for (Stories260K.Generation g : generations) {
            assertEquals(g.text(), tokenizer.decode(g.tokens()), g.name());
        }
    }

    @Test
    void bosIsAddedWhenTheConfigAsksAndThePostProcessorDoesNot(@TempDir Path dir) throws IOException {
        String json = Files.readString(Fixtures.stories260K().resolve(TextTokenizer.FILE));
        int start = json.indexOf("\"post_processor\"");
        assertTrue(start > 0);
        Files.writeString(dir.resolve(TextTokenizer.FILE), json.substring(0, start) + "\"post_processor\": null,"
                + json.substring(json.indexOf("\"decoder\"")));
        Files.copy(Fixtures.stories260K().resolve(TextTokenizer.CONFIG_FILE), dir.resolve(TextTokenizer.CONFIG_FILE));
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            assertArrayEquals(new int[]{1, 403, 407, 261, 378}, t.encode("Once upon a time", true));
        }
        Files.writeString(dir.resolve(TextTokenizer.CONFIG_FILE), "{\"add_bos_token\": false, \"bos_token\": \"<s>\"}");
        Files.copy(Fixtures.stories260K().resolve(TextTokenizer.FILE), dir.resolve(TextTokenizer.FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (TextTokenizer t = TextTokenizer.load(dir)) {
            assertArrayEquals(new int[]{403, 407, 261, 378}, t.encode("Once upon a time", true));
        }
    }

    @Test
    void missingTokenizerJsonIsBadInput(@TempDir Path dir) {
        BadInputException e = assertThrows(BadInputException.class, () -> TextTokenizer.load(dir));
        assertTrue(e.getMessage().contains(TextTokenizer.FILE), e.getMessage());
    }
}
