package dev.amalgam.zoo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Objects;

/**
 * One multiple-choice row in the Hugging Face layout the demo task YAMLs read:
 * {@code {"context": ..., "choices": [4 strings], "answer": int}}. The choices are the bare answer words
 * (lm-eval's cloze style: each is scored as the continuation {@code " " + choice} of the context).
 */
public record SkillItem(String context, List<String> choices, int answer) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public SkillItem {
        Objects.requireNonNull(context, "context");
        choices = List.copyOf(choices);
        if (answer < 0 || answer >= choices.size()) {
            throw new IllegalArgumentException("answer " + answer + " is outside 0.." + (choices.size() - 1));
        }
        if (choices.stream().distinct().count() != choices.size()) {
            throw new IllegalArgumentException("choices repeat: " + choices);
        }
    }

    public String correctChoice() {
        return choices.get(answer);
    }

    /** One JSONL line (no trailing newline); field order is fixed so files are byte-reproducible. */
    public String toJsonLine() {
        ObjectNode row = JSON.createObjectNode();
        row.put("context", context);
        row.putArray("choices").addAll(choices.stream().map(JSON.getNodeFactory()::textNode).toList());
        row.put("answer", answer);
        return row.toString();
    }
}
