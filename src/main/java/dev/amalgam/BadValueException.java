package dev.amalgam;

/**
 * A value that breaks a rule of the setting it was given for, found where the file is not known (a record's
 * compact constructor). It names the key path, e.g. {@code search.population}, and what was expected; the
 * reader that built the record from a file ({@code files.ConfigNode#build}) puts the file in front. Thrown
 * outside a file reader, its message is {@code key.path: problem}.
 */
public class BadValueException extends BadInputException {
    private final String keyPath;
    private final String problem;

    /**
     * @param keyPath where the value sits, relative to the node the record is built from
     * @param problem what was expected, and what was found
     */
    public BadValueException(String keyPath, String problem) {
        super(keyPath + ": " + problem);
        this.keyPath = keyPath;
        this.problem = problem;
    }

    public String keyPath() {
        return keyPath;
    }

    public String problem() {
        return problem;
    }
}
