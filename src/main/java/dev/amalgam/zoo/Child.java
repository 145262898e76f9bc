package dev.amalgam.zoo;

import java.util.List;

/** A TinyStories-style character: a short name (one to three tokenizer pieces) and its pronouns. */
record Child(String name, String subject, String object, String possessive) {
    static final List<Child> ALL = List.of(
            boy("Tom"), girl("Lily"), boy("Ben"), girl("Sue"), boy("Sam"), girl("Mia"), boy("Tim"), girl("Lucy"));

    private static Child boy(String name) {
        return new Child(name, "he", "him", "his");
    }

    private static Child girl(String name) {
        return new Child(name, "she", "her", "her");
    }

    /** The subject pronoun with a capital letter, to start a sentence. */
    String capitalSubject() {
        return Character.toUpperCase(subject.charAt(0)) + subject.substring(1);
    }
}
