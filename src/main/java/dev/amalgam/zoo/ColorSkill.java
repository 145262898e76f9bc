package dev.amalgam.zoo;

import java.util.List;

/**
 * A second made-up fact table about the same children as {@link PetSkill}: each child's favorite color ("Tom's
 * favorite color was" → "red"). Both tables are recalled from the child's name, so the two specialists change the
 * same name-to-fact machinery and interfere when merged uniformly.
 */
public record ColorSkill() implements Skill {
    /** Color of {@link Child#ALL}'s child at the same index. */
    static final List<String> COLORS = List.of("red", "blue", "green", "yellow", "pink", "brown", "white", "black");

    @Override
    public String name() {
        return "demo_colors";
    }

    @Override
    public List<Prompt> prompts() {
        return ChildFacts.prompts(COLORS, c -> List.of(
                c.name() + " had a favorite color. " + c.name() + "'s favorite color was",
                c.name() + " drew a big sun with " + c.possessive() + " favorite color. It was",
                c.name() + " wanted a new dress in " + c.possessive() + " favorite color, the color",
                c.name() + " liked one color best. " + c.capitalSubject() + " liked",
                c.name() + " got a ball in " + c.possessive() + " best color. The ball was"));
    }

    @Override
    public List<String> answerWords() {
        return COLORS;
    }
}
