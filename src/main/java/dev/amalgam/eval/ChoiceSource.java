package dev.amalgam.eval;

import dev.amalgam.eval.DocTemplate.RowRef;

import java.util.List;
import java.util.Map;

/** {@code doc_to_choice}: a fixed YAML list (MMLU's letters) or a template giving a list per document (ARC). */
public sealed interface ChoiceSource {
    List<String> choices(Map<String, Object> doc, RowRef row);

    /** The same choices for every document. */
    record Fixed(List<String> values) implements ChoiceSource {
        public Fixed {
            values = List.copyOf(values);
        }

        @Override
        public List<String> choices(Map<String, Object> doc, RowRef row) {
            return values;
        }
    }

    /** A template evaluated per document; it must yield a list. */
    record Templated(DocTemplate template) implements ChoiceSource {
        @Override
        public List<String> choices(Map<String, Object> doc, RowRef row) {
            return template.evaluateList(doc, row);
        }
    }
}
