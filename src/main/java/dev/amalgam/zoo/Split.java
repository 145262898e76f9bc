package dev.amalgam.zoo;

/** The three splits of a skill's data set, named as the task YAML and Hugging Face name them. */
public enum Split {
    TRAIN("train"),
    VALIDATION("validation"),
    TEST("test");

    private final String hfName;

    Split(String hfName) {
        this.hfName = hfName;
    }

    public String hfName() {
        return hfName;
    }

    /** The JSONL file name of this split, e.g. {@code validation.jsonl}. */
    public String fileName() {
        return hfName + ".jsonl";
    }
}
