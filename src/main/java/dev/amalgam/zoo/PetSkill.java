package dev.amalgam.zoo;

import java.util.List;

/**
 * A made-up fact table: each child has one kind of pet ("Tom's pet was a frog"), asked about in many
 * story sentences: "One day, Tom went to see his pet. The pet was a" → "frog".
 */
public record PetSkill() implements Skill {
    /** Pet of {@link Child#ALL}'s child at the same index: the fact table the specialist learns. */
    static final List<String> PETS = List.of("frog", "duck", "bird", "fish", "horse", "bunny", "cow", "pig");

    @Override
    public String name() {
        return "demo_pets";
    }

    @Override
    public List<Prompt> prompts() {
        return ChildFacts.prompts(PETS, c -> List.of(
                c.name() + " had a pet. " + c.name() + "'s pet was a",
                c.name() + " went to see " + c.possessive() + " pet. The pet was a",
                c.name() + " played with " + c.possessive() + " pet. It was a",
                c.name() + " loved " + c.possessive() + " pet very much. " + c.capitalSubject() + " had a",
                c.name() + " gave food to " + c.possessive() + " little pet, a"));
    }

    @Override
    public List<String> answerWords() {
        return PETS;
    }
}
