package dev.amalgam.eval;

/**
 * One tokenised log-likelihood request: {@code tokens} = context tokens + continuation tokens (untruncated);
 * the last {@code continuationLength} of them are scored. (Record equality is by array identity.)
 */
public record TokenRequest(int[] tokens, int continuationLength) {
    public TokenRequest {
        if (tokens.length < 2 || continuationLength < 1 || continuationLength > tokens.length - 1) {
            throw new IllegalArgumentException("need a context token and 1.." + (tokens.length - 1)
                    + " continuation tokens, got " + tokens.length + " tokens with continuation " + continuationLength);
        }
    }
}
