package dev.amalgam.zoo;

import java.util.List;

/**
 * A synthetic multiple-choice skill in the TinyStories world: a small rule or fact table, phrased in many
 * different sentences. Every sentence ({@link Prompt}) is distinct, so splits cut from the shuffled list
 * never share an item, yet all exercise the same facts, which is what makes the skill learnable from
 * the train split and measurable on the others.
 */
public sealed interface Skill permits ArithmeticSkill, PetSkill, ColorSkill {

    /** A context and the one word that correctly continues it. */
    record Prompt(String context, String answer) {
    }

    /** The task name, also the data folder and YAML file name (e.g. {@code demo_arithmetic}). */
    String name();

    /** Every distinct prompt of the skill, in a fixed order (the generator shuffles them with its seed). */
    List<Prompt> prompts();

    /** The words answers (and so distractors) are drawn from; every prompt's answer is one of them. */
    List<String> answerWords();
}
