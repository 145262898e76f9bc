package dev.amalgam.eval;

import dev.amalgam.Fixtures;
import dev.amalgam.llm.TextTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The boundary rule of lm-eval's {@code _encode_pair}, on the real stories260K tokenizer (which adds BOS). */
class RequestEncoderTest {
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
    void trailingWhitespaceMovesToTheContinuation() {
        assertArrayEquals(new String[] {"Answer:", " \n B"}, RequestEncoder.moveTrailingWhitespace("Answer: \n", " B"));
        assertArrayEquals(new String[] {"Answer:", " B"}, RequestEncoder.moveTrailingWhitespace("Answer:", " B"));
        assertArrayEquals(new String[] {"", "  x"}, RequestEncoder.moveTrailingWhitespace("  ", "x"));
    }

    @Test
    void contextTokensComeFromEncodingTheContextAlone() {
        TokenRequest request = new RequestEncoder(tokenizer).encode("Once upon a ", "time");
        int[] ctx = tokenizer.encode("Once upon a", true);
        int[] whole = tokenizer.encode("Once upon a time", true);
        assertEquals(1, ctx[0], "BOS per the tokenizer's default");
        int[] expected = concat(ctx, Arrays.copyOfRange(whole, ctx.length, whole.length));
        assertArrayEquals(expected, request.tokens());
        assertEquals(whole.length - ctx.length, request.continuationLength());
    }

    @Test
    void tokensMergedAcrossTheBoundaryStillKeepTheContextEncoding() {
        // "ti" + "me, there": the whole string has the token "time" where the context alone ends in "t", "i".
        // lm-eval keeps the context's own tokens and takes whole[len(ctx):] as the continuation.
        TokenRequest request = new RequestEncoder(tokenizer).encode("Once upon a ti", "me, there");
        int[] ctx = tokenizer.encode("Once upon a ti", true);
        int[] whole = tokenizer.encode("Once upon a time, there", true);
        assertEquals(6, ctx.length);
        assertEquals(7, whole.length);
        assertArrayEquals(concat(ctx, new int[] {whole[6]}), request.tokens());
        assertEquals(1, request.continuationLength());
    }

    @Test
    void emptyContextStartsWithBosAndEncodesTheContinuationPlain() {
        TokenRequest request = new RequestEncoder(tokenizer).encode("", "Once upon a time");
        int[] plain = tokenizer.encode("Once upon a time", false);
        assertArrayEquals(concat(new int[] {tokenizer.bosId().getAsInt()}, plain), request.tokens());
        assertEquals(plain.length, request.continuationLength());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
