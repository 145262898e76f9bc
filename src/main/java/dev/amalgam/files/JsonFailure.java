package dev.amalgam.files;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;

import java.util.regex.Pattern;

/**
 * Jackson's parse errors (JSON and SnakeYAML-backed YAML) in one line: the first line of the original message and the
 * position. Jackson's own messages span several lines (a source excerpt, a caret, "at [Source: ...]").
 */
public final class JsonFailure {
    /** Jackson's " (for Object starting at [Source: REDACTED ...; line: 1, column: 7])" inside a message. */
    private static final Pattern SOURCE_REFERENCE = Pattern.compile("\\s*\\(for [^()]*? starting at \\[Source: [^\\]]*\\]\\)");

    private JsonFailure() {
    }

    /** E.g. {@code Unexpected character ('}' (code 125)) at line 3, column 7}. */
    public static String describe(JacksonException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? firstLine(e) : firstLine(e) + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /** For text that is one line of a file (a JSONL row): the column only. */
    public static String describeInLine(JacksonException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getColumnNr() < 1 ? firstLine(e) : firstLine(e) + " at column " + at.getColumnNr();
    }

    private static String firstLine(JacksonException e) {
        String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        String first = message.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(message);
        return SOURCE_REFERENCE.matcher(first).replaceAll(""); // the position is given once, at the end
    }
}
