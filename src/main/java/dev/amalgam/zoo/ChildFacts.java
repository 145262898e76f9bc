package dev.amalgam.zoo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The prompts of a made-up fact table about {@link Child#ALL} ({@link PetSkill}, {@link ColorSkill}): every story
 * opener times every child times every sentence the skill asks the fact with, in that order, without repeats.
 */
final class ChildFacts {
    private static final List<String> OPENERS = List.of("", "One day, ", "Once upon a time, ", "In the morning, ",
            "After school, ", "It was a sunny day. ", "It was a rainy day. ", "At night, ", "On Sunday, ",
            "After lunch, ", "The sun was up. ", "Mom smiled. ");

    private ChildFacts() {
    }

    /**
     * @param facts     the answer of {@link Child#ALL}'s child at the same index
     * @param sentences a child's question sentences (each continues with the fact), without the opener
     */
    static List<Skill.Prompt> prompts(List<String> facts, Function<Child, List<String>> sentences) {
        if (facts.size() != Child.ALL.size()) {
            throw new IllegalArgumentException("expected one fact per child (" + Child.ALL.size() + "), got " + facts.size());
        }
        Set<String> seen = new LinkedHashSet<>();
        List<Skill.Prompt> out = new ArrayList<>();
        for (String opener : OPENERS) {
            for (int i = 0; i < Child.ALL.size(); i++) {
                for (String sentence : sentences.apply(Child.ALL.get(i))) {
                    if (seen.add(opener + sentence)) {
                        out.add(new Skill.Prompt(opener + sentence, facts.get(i)));
                    }
                }
            }
        }
        return out;
    }
}
