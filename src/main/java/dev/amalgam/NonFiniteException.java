package dev.amalgam;

/**
 * Numbers that came out NaN or infinite where the inputs do not explain it: a merge whose output has non-finite values
 * its inputs lack, normalising by a weight sum of zero, a non-finite log-likelihood. Bad input for {@code merge} and
 * {@code eval} (exit code 2); a search scores such a candidate 0 and goes on.
 */
public class NonFiniteException extends BadInputException {
    public NonFiniteException(String message) {
        super(message);
    }
}
