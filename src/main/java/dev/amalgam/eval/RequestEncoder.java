package dev.amalgam.eval;

import dev.amalgam.BadInputException;
import dev.amalgam.llm.TextTokenizer;

import java.util.Arrays;

/**
 * Tokenises {@code (context, continuation)} pairs as lm-eval's {@code TemplateLM._encode_pair}: trailing whitespace of
 * the context moves to the front of the continuation; {@code whole = encode(context + continuation)},
 * {@code ctx = encode(context)}, continuation tokens = {@code whole[len(ctx):]}, and the request is {@code ctx + cont}
 * (not {@code whole}), with special tokens per the tokenizer's default (Llama's BOS). An empty context becomes the
 * BOS token (EOS if there is none) and the continuation is encoded without special tokens.
 */
public final class RequestEncoder {
    private final TextTokenizer tokenizer;

    public RequestEncoder(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The pair after moving the context's trailing whitespace (Python's {@code str.isspace}) to the continuation. */
    public static String[] moveTrailingWhitespace(String context, String continuation) {
        int end = context.length();
        while (end > 0) {
            int cp = context.codePointBefore(end);
            if (!isPythonSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return new String[] {context.substring(0, end), context.substring(end) + continuation};
    }

    private static boolean isPythonSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** Encodes one pair; {@code contextTokens} may be a cached {@link #encodeContext} of the moved context. */
    public TokenRequest encode(String context, String continuation) {
        String[] pair = moveTrailingWhitespace(context, continuation);
        return encode(pair[0], pair[1], encodeContext(pair[0]));
    }

    /** {@code encode(context)} with the tokenizer's default special tokens, or the prefix token if empty. */
    int[] encodeContext(String movedContext) {
        if (movedContext.isEmpty()) {
            return new int[] {tokenizer.bosId().orElseGet(() -> tokenizer.eosId().orElseThrow(
                    () -> new IllegalStateException("tokenizer has neither BOS nor EOS for an empty context")))};
        }
        return tokenizer.encode(movedContext, true);
    }

    /** Encodes a pair whose whitespace was already moved, reusing the context's tokens. */
    TokenRequest encode(String movedContext, String movedContinuation, int[] contextTokens) {
        int[] continuation;
        if (movedContext.isEmpty()) {
            continuation = tokenizer.encode(movedContinuation, false);
        } else {
            int[] whole = tokenizer.encode(movedContext + movedContinuation, true);
            continuation = Arrays.copyOfRange(whole, Math.min(contextTokens.length, whole.length), whole.length);
        }
        if (continuation.length == 0) {
            // lm-eval would score an empty continuation as 0; it only happens when a choice merges into the context.
            throw new BadInputException("choice continuation '" + movedContinuation + "' encodes to no tokens after context '" + tail(movedContext) + "'");
        }
        int[] tokens = Arrays.copyOf(contextTokens, contextTokens.length + continuation.length);
        System.arraycopy(continuation, 0, tokens, contextTokens.length, continuation.length);
        return new TokenRequest(tokens, continuation.length);
    }

    private static String tail(String s) {
        return s.length() <= 40 ? s : "..." + s.substring(s.length() - 40);
    }
}
