package dev.amalgam.zoo;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A made-up fact table: each child has one kind of pet ("Tom's pet was a frog"), asked about in many
 * story sentences: "One day, Tom went to see his pet. The pet was a" → "frog".
 */
public record PetSkill() implements Skill {
    /** Pet of {@link Child#ALL}'s child at the same index: the fact table the specialist learns. */
    static final List<String> PETS = List.of("frog", "duck", "bird", "fish", "horse", "bunny", "cow", "pig");
    private static final List<String> OPENERS = List.of("", "One day, ", "Once upon a time, ", "In the morning, ",
            "After school, ", "It was a sunny day. ", "It was a rainy day. ", "At night, ", "On Sunday, ",
            "After lunch, ", "The sun was up. ", "Mom smiled. ");

    @Override
    public String name() {
        return "demo_pets";
    }

    @Override
    public List<Prompt> prompts() {
        Set<String> seen = new LinkedHashSet<>();
        List<Prompt> out = new ArrayList<>();
        for (String opener : OPENERS) {
            for (int i = 0; i < Child.ALL.size(); i++) {
                Child c = Child.ALL.get(i);
                List<String> contexts = List.of(
                        opener + c.name() + " had a pet. " + c.name() + "'s pet was a",
                        opener + c.name() + " went to see " + c.possessive() + " pet. The pet was a",
                        opener + c.name() + " played with " + c.possessive() + " pet. It was a",
                        opener + c.name() + " loved " + c.possessive() + " pet very much. " + c.capitalSubject() + " had a",
                        opener + c.name() + " gave food to " + c.possessive() + " little pet, a");
                for (String context : contexts) {
                    if (seen.add(context)) {
                        out.add(new Prompt(context, PETS.get(i)));
                    }
                }
            }
        }
        return out;
    }

    @Override
    public List<String> answerWords() {
        return PETS;
    }
}
