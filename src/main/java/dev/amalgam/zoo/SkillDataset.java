package dev.amalgam.zoo;

import dev.amalgam.files.AtomicFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * A skill's train/validation/test rows, generated deterministically from a seed: the skill's prompts are
 * shuffled, validation and test take the first ones and train the next, so no sentence appears in two splits.
 * Each row's three distractors are other answer words of the skill, and the gold's position is random.
 */
public record SkillDataset(Skill skill, Map<Split, List<SkillItem>> splits) {
    /** Choices per row (lm-eval's cloze multiple choice with 4 options). */
    public static final int CHOICES = 4;

    public SkillDataset {
        Map<Split, List<SkillItem>> copy = new EnumMap<>(Split.class);
        splits.forEach((split, items) -> copy.put(split, List.copyOf(items)));
        splits = Collections.unmodifiableMap(copy);
    }

    /** Rows per split; train takes at most {@code train} of the prompts left after validation and test. */
    public record Sizes(int train, int validation, int test) {
        public Sizes {
            if (train <= 0 || validation <= 0 || test <= 0) {
                throw new IllegalArgumentException("split sizes must be positive, got " + train + "/" + validation + "/" + test);
            }
        }
    }

    public static SkillDataset generate(Skill skill, long seed, Sizes sizes) {
        List<Skill.Prompt> prompts = new ArrayList<>(skill.prompts());
        if (prompts.size() < sizes.validation() + sizes.test() + 1) {
            throw new IllegalArgumentException(skill.name() + " has " + prompts.size() + " prompts, fewer than the "
                    + (sizes.validation() + sizes.test() + 1) + " the split sizes need");
        }
        // String.hashCode is specified, so the per-skill stream is the same on every JVM.
        Random random = new Random(seed * 1_000_003L + skill.name().hashCode());
        Collections.shuffle(prompts, random);
        int validationEnd = sizes.validation();
        int testEnd = validationEnd + sizes.test();
        int trainEnd = Math.min(prompts.size(), testEnd + sizes.train());
        Map<Split, List<SkillItem>> splits = new EnumMap<>(Split.class);
        splits.put(Split.VALIDATION, items(skill, prompts.subList(0, validationEnd), random));
        splits.put(Split.TEST, items(skill, prompts.subList(validationEnd, testEnd), random));
        splits.put(Split.TRAIN, items(skill, prompts.subList(testEnd, trainEnd), random));
        return new SkillDataset(skill, splits);
    }

    private static List<SkillItem> items(Skill skill, List<Skill.Prompt> prompts, Random random) {
        List<SkillItem> out = new ArrayList<>(prompts.size());
        for (Skill.Prompt p : prompts) {
            List<String> distractors = new ArrayList<>(skill.answerWords());
            distractors.remove(p.answer());
            Collections.shuffle(distractors, random);
            List<String> choices = new ArrayList<>(distractors.subList(0, CHOICES - 1));
            int answer = random.nextInt(CHOICES);
            choices.add(answer, p.answer());
            out.add(new SkillItem(p.context(), choices, answer));
        }
        return out;
    }

    public List<SkillItem> split(Split split) {
        return splits.get(split);
    }

    /**
     * {@code split}'s rows with their gold answers shuffled among the rows (seeded): each row's label is another row's
     * answer word, independent of its context, so a model trained on them cannot beat chance. The label takes the
     * gold's place among the choices unless it already is one of them.
     */
    public List<SkillItem> withShuffledLabels(Split split, long seed) {
        List<SkillItem> rows = split(split);
        List<String> labels = new ArrayList<>(rows.stream().map(SkillItem::correctChoice).toList());
        Collections.shuffle(labels, new Random(seed));
        List<SkillItem> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            SkillItem row = rows.get(i);
            List<String> choices = new ArrayList<>(row.choices());
            int answer = choices.indexOf(labels.get(i));
            if (answer < 0) {
                answer = row.answer();
                choices.set(answer, labels.get(i));
            }
            out.add(new SkillItem(row.context(), choices, answer));
        }
        return out;
    }

    /** Writes {@code train.jsonl}, {@code validation.jsonl} and {@code test.jsonl} into {@code dir}. */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        for (Split split : Split.values()) {
            String lines = split(split).stream().map(SkillItem::toJsonLine).collect(Collectors.joining("\n", "", "\n"));
            AtomicFile.writeString(dir.resolve(split.fileName()), lines);
        }
    }
}
