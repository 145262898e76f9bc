package dev.amalgam.zoo;

/** Told how far a zoo build has come, in units (a fine-tuning step, a model written, a model scored). */
public interface ZooProgress {
    ZooProgress NONE = new ZooProgress() {
        @Override
        public void rebuilding(String reason, long totalUnits) {
        }

        @Override
        public void advance(String stage, long units) {
        }
    };

    /** A build starts, because of {@code reason} (e.g. "no zoo yet", "data/x/test.jsonl is missing"). */
    void rebuilding(String reason, long totalUnits);

    /** {@code units} more are done; {@code stage} says what is running now. */
    void advance(String stage, long units);
}
