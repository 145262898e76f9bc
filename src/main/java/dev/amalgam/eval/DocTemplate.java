package dev.amalgam.eval;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.FatalTemplateErrorsException;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.UnknownTokenException;
import dev.amalgam.BadInputException;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One lm-eval template field ({@code doc_to_text}, {@code doc_to_choice}, {@code doc_to_target}, {@code description}),
 * evaluated against a document with Jinjava. As in lm-eval, a template that is exactly a field name yields that field.
 * A template that is a single {@code {{ expression }}} is evaluated as an expression, so it keeps its type: a list
 * ({@code {{choices.text}}}, {@code {{ ["A","B"] }}}) or a number ({@code {{choices.label.index(answerKey)}}}).
 * Python-style calls work because Jinjava strings are Java strings ({@code strip()}, {@code replace(a, b)}) and
 * Jinjava lists are {@code PyList}s ({@code index(x)}). Anything else renders as text. Missing document fields are
 * errors, never empty strings.
 */
public final class DocTemplate {
    // As lm-eval's jinja2 environment: undefined names fail (StrictUndefined), and field values are data, never
    // templates themselves (Jinjava would otherwise render "{{" inside a question).
    private static final Jinjava JINJAVA = new Jinjava(JinjavaConfig.newBuilder().withFailOnUnknownTokens(true)
            .withNestedInterpretationEnabled(false).build());
    private static final Pattern SINGLE_EXPRESSION = Pattern.compile("\\A\\{\\{(.*)}}\\z", Pattern.DOTALL);
    private static final Pattern TOP_LEVEL_NAME = Pattern.compile("(?<![.\\w'\"])[A-Za-z_]\\w*");
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Path file;      // the task YAML, for messages
    private final String field;   // e.g. "doc_to_text"
    private final String source;
    private final String expression; // the inside of a single {{ ... }}, or null

    public DocTemplate(Path file, String field, String source) {
        this.file = Objects.requireNonNull(file);
        this.field = Objects.requireNonNull(field);
        this.source = Objects.requireNonNull(source); // trailing newlines kept, as lm-eval's keep_trailing_newline=True
        Matcher m = SINGLE_EXPRESSION.matcher(source); // exact: surrounding text (even a newline) makes it text
        this.expression = m.matches() && !m.group(1).contains("{{") && !m.group(1).contains("}}") ? m.group(1).strip() : null;
    }

    public String source() {
        return source;
    }

    /** True when the template is a bare field name that {@code doc} lacks (it would render as that name, literally). */
    public boolean namesMissingField(Map<String, Object> doc) {
        return FIELD_NAME.matcher(source).matches() && !doc.containsKey(source);
    }

    /** The value for {@code doc}: a field, an expression's typed value, or rendered text. */
    public Object evaluate(Map<String, Object> doc, RowRef row) {
        if (FIELD_NAME.matcher(source).matches() && doc.containsKey(source)) {
            return doc.get(source);
        }
        return expression != null ? resolve(doc, row) : render(doc, row);
    }

    /** Text, as lm-eval's {@code doc_to_text} and {@code description}: a bare field's value, else the rendered template. */
    public String text(Map<String, Object> doc, RowRef row) {
        if (FIELD_NAME.matcher(source).matches() && doc.containsKey(source)) {
            return String.valueOf(doc.get(source));
        }
        return render(doc, row);
    }

    /** The rendered text for {@code doc}. */
    public String render(Map<String, Object> doc, RowRef row) {
        RenderResult result;
        try {
            result = JINJAVA.renderForResult(source, doc);
        } catch (InterpretException e) {
            throw failure(e, doc, row);
        }
        for (TemplateError error : result.getErrors()) {
            // An unclosed {{ or {# is only a warning to Jinjava (the text is kept or dropped); jinja2, as lm-eval runs
            // it, refuses the template, and so do we.
            if (error.getSeverity() == TemplateError.ErrorType.FATAL || error.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR) {
                throw failure(error.getException() != null ? error.getException() : new RuntimeException(error.getMessage()), doc, row);
            }
        }
        return result.getOutput();
    }

    private Object resolve(Map<String, Object> doc, RowRef row) {
        JinjavaInterpreter interpreter = JINJAVA.newInterpreter();
        interpreter.getContext().putAll(doc);
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            Object value = interpreter.resolveELExpression(expression, 1);
            for (TemplateError error : interpreter.getErrorsCopy()) {
                if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                    throw failure(error.getException() != null ? error.getException() : new RuntimeException(error.getMessage()), doc, row);
                }
            }
            return value;
        } catch (InterpretException e) {
            throw failure(e, doc, row);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    private BadInputException failure(Throwable e, Map<String, Object> doc, RowRef row) {
        Throwable cause = e;
        while (cause != null && !(cause instanceof UnknownTokenException)) {
            cause = cause.getCause();
        }
        if (e instanceof FatalTemplateErrorsException fatal) {
            for (TemplateError error : fatal.getErrors()) {
                if (error.getException() instanceof UnknownTokenException unknown) {
                    cause = unknown;
                }
            }
        }
        String at = row == null ? "" : " (at " + row + ")";
        if (cause instanceof UnknownTokenException unknown) {
            String message = unknown.getMessage();
            String token = message.substring(message.lastIndexOf(':') + 1).strip();
            Matcher names = TOP_LEVEL_NAME.matcher(token);
            while (names.find()) {
                if (doc.containsKey(names.group())) {
                    continue;
                }
                if (token.substring(0, names.start()).stripTrailing().endsWith("|")) {
                    // Jinjava evaluates an unknown filter to nothing, as it does an unknown name: tell them apart.
                    return new BadInputException(file + ": " + field + ": template error: unknown filter '" + names.group()
                            + "' in '" + oneLine(source) + "'" + at);
                }
                return row == null
                        ? new BadInputException(file + ": " + field + ": undefined variable '" + names.group() + "'")
                        : new BadInputException(row + ": missing field '" + names.group() + "' used by " + field + " of " + file);
            }
            return new BadInputException(file + ": " + field + ": template error: '" + token + "' is undefined in '" + oneLine(source) + "'" + at);
        }
        return new BadInputException(file + ": " + field + ": template error: " + oneLine(e.getMessage()) + " in '" + oneLine(source) + "'" + at, e);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace("\n", "\\n");
    }

    /** Which data row a document came from, for messages: "data.jsonl row 3 (split 'test')" (1-based). */
    public record RowRef(Path file, int row, String split) {
        @Override
        public String toString() {
            return file + " row " + row + " (split '" + split + "')";
        }
    }

    /**
     * The list value of a {@code doc_to_choice} template, or an error naming the file and field. As lm-eval applies
     * {@code ast.literal_eval} to the rendered text, text that is a list literal ({@code ["A", "B"]}) is parsed.
     */
    public List<String> evaluateList(Map<String, Object> doc, RowRef row) {
        Object value = evaluate(doc, row);
        if (value instanceof String text && text.strip().startsWith("[") && text.strip().endsWith("]")) {
            value = new DocTemplate(file, field, "{{" + text.strip() + "}}").evaluate(Map.of(), row);
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        throw new BadInputException(file + ": " + field + " must give a list for " + row + ", got '" + value + "'");
    }
}
