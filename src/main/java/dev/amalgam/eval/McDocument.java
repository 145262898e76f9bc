package dev.amalgam.eval;

import java.util.List;

/**
 * One rendered multiple-choice item.
 *
 * @param docId   index of the document in the task's scored split (after any {@code where} filter)
 * @param context description + few-shot examples + {@code doc_to_text}
 * @param choices the choice strings, without the target delimiter
 * @param golds   indices of correct choices (lm-eval allows several), each validated against the choices
 */
public record McDocument(int docId, String context, List<String> choices, List<Integer> golds) {
    public McDocument {
        choices = List.copyOf(choices);
        golds = List.copyOf(golds);
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("document " + docId + " has no choices");
        }
    }
}
