package dev.amalgam.files;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;

/**
 * Jackson's parse errors (JSON and SnakeYAML-backed YAML) in one line: the first line of the original message and the
 * position. Jackson's own messages span several lines (a source excerpt, a caret, "at [Source: ...]").
 */
public final class JsonFailure {
    private JsonFailure() {
    }

    /** E.g. {@code Unexpected character ('}' (code 125)) at line 3, column 7}. */
    public static String describe(JacksonException e) {
        String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        String first = message.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(message);
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? first : first + " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }
}
