package dev.amalgam.eval;

/** Told after each forward pass how many requests it finished and how many tokens it ran. */
@FunctionalInterface
public interface ScoringProgress {
    ScoringProgress NONE = (requests, tokens) -> { };

    void batchDone(int requests, long tokens);
}
