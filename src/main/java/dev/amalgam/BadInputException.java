package dev.amalgam;

/**
 * A user-facing error: bad input (a file, a field, a tensor) rather than a bug. The CLI prints its
 * message on one line and exits with code 2. Messages name the culprit and what was expected.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
