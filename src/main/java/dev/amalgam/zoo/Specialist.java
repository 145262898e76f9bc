package dev.amalgam.zoo;

import java.util.Objects;

/**
 * One fine-tuned model of the zoo: trained on a skill's train rows, with their gold labels or with the labels
 * shuffled among the rows. A shuffled-label specialist learns nothing true about its skill (its accuracy is
 * near chance) but its task vector is as large as a real one: a merge source that only hurts, which a good search
 * learns to weight near zero.
 *
 * @param name the model folder's name under {@code specialists/} (for a gold-label specialist, its skill's name)
 */
public record Specialist(String name, Skill skill, boolean shuffledLabels) {
    public Specialist {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(skill, "skill");
    }

    /** The specialist of {@code skill}, trained on its gold labels. */
    static Specialist of(Skill skill) {
        return new Specialist(skill.name(), skill, false);
    }

    /** A specialist trained on {@code skill}'s rows with shuffled labels, named {@code SKILL_shuffled}. */
    static Specialist shuffled(Skill skill) {
        return new Specialist(skill.name() + "_shuffled", skill, true);
    }
}
