package dev.amalgam.zoo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A second made-up fact table about the same children as {@link PetSkill}: each child's favorite color ("Tom's
 * favorite color was" → "red"). Both tables are recalled from the child's name, so the two specialists change the
 * same name-to-fact machinery and interfere when merged uniformly.
 */
public record ColorSkill() implements Skill {
    /** Color of {@link Child#ALL}'s child at the same index. */
    static final List<String> COLORS = List.of("red", "blue", "green", "yellow", "pink", "brown", "white", "black");
    private static final List<String> OPENERS = List.of("", "One day, ", "Once upon a time, ", "In the morning, ",
            "After school, ", "It was a sunny day. ", "It was a rainy day. ", "At night, ", "On Sunday, ",
            "After lunch, ", "The sun was up. ", "Mom smiled. ");

    @Override
    public String name() {
        return "demo_colors";
    }

    @Override
    public List<Prompt> prompts() {
        Set<String> seen = new LinkedHashSet<>();
        List<Prompt> out = new ArrayList<>();
        for (String opener : OPENERS) {
            for (int i = 0; i < Child.ALL.size(); i++) {
                Child c = Child.ALL.get(i);
                List<String> contexts = List.of(
                        opener + c.name() + " had a favorite color. " + c.name() + "'s favorite color was",
                        opener + c.name() + " drew a big sun with " + c.possessive() + " favorite color. It was",
                        opener + c.name() + " wanted a new dress in " + c.possessive() + " favorite color, the color",
                        opener + c.name() + " liked one color best. " + c.capitalSubject() + " liked",
                        opener + c.name() + " got a ball in " + c.possessive() + " best color. The ball was");
                for (String context : contexts) {
                    if (seen.add(context)) {
                        out.add(new Prompt(context, COLORS.get(i)));
                    }
                }
            }
        }
        return out;
    }

    @Override
    public List<String> answerWords() {
        return COLORS;
    }
}
