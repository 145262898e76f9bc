package dev.amalgam.zoo;

import dev.amalgam.Fixtures;
import dev.amalgam.llm.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SkillDatasetTest {
    private static final SkillDataset.Sizes SIZES = Zoo.SIZES;
    private static final List<String> NUMBER_WORDS = List.of("zero", "one", "two", "three", "four", "five", "six",
            "seven", "eight", "nine", "ten");
    /** The pet fact table, written out independently of {@link PetSkill}. */
    private static final Map<String, String> PET_OF = Map.of("Tom", "frog", "Lily", "duck", "Ben", "bird", "Sue", "fish",
            "Sam", "horse", "Mia", "bunny", "Tim", "cow", "Lucy", "pig");
    /** The color fact table, written out independently of {@link ColorSkill}. */
    private static final Map<String, String> COLOR_OF = Map.of("Tom", "red", "Lily", "blue", "Ben", "green", "Sue", "yellow",
            "Sam", "pink", "Mia", "brown", "Tim", "white", "Lucy", "black");

    @Test
    void sameSeedWritesByteIdenticalFilesAndAnotherSeedDoesNot(@TempDir Path tmp) throws Exception {
        for (Skill skill : Zoo.SKILLS) {
            SkillDataset.generate(skill, 5, SIZES).write(tmp.resolve("a"));
            SkillDataset.generate(skill, 5, SIZES).write(tmp.resolve("b"));
            SkillDataset.generate(skill, 6, SIZES).write(tmp.resolve("c"));
            for (Split split : Split.values()) {
                byte[] a = Files.readAllBytes(tmp.resolve("a").resolve(split.fileName()));
                assertArrayEquals(a, Files.readAllBytes(tmp.resolve("b").resolve(split.fileName())), skill.name() + " " + split);
                assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(tmp.resolve("c").resolve(split.fileName()))),
                        skill.name() + " " + split + " should change with the seed");
            }
        }
    }

    @Test
    void splitsHaveTheirSizesAndShareNoSentence() {
        for (Skill skill : Zoo.SKILLS) {
            SkillDataset data = SkillDataset.generate(skill, 1, SIZES);
            assertEquals(SIZES.validation(), data.split(Split.VALIDATION).size());
            assertEquals(SIZES.test(), data.split(Split.TEST).size());
            assertTrue(data.split(Split.TRAIN).size() >= 200, skill.name() + " train split is too small");
            Set<String> seen = new HashSet<>();
            for (Split split : Split.values()) {
                for (SkillItem item : data.split(split)) {
                    assertTrue(seen.add(item.context()), skill.name() + ": '" + item.context() + "' appears twice");
                }
            }
        }
    }

    @Test
    void arithmeticAnswersAreTheSumOfTheTwoNumbersInTheStory() {
        Pattern numbers = Pattern.compile("\\b(one|two|three|four|five|six|seven|eight|nine)\\b");
        for (Split split : Split.values()) {
            for (SkillItem item : SkillDataset.generate(new ArithmeticSkill(), 2, SIZES).split(split)) {
                Matcher m = numbers.matcher(item.context());
                int sum = 0;
                int count = 0;
                while (m.find()) {
                    sum += NUMBER_WORDS.indexOf(m.group(1));
                    count++;
                }
                assertEquals(2, count, item.context());
                assertEquals(NUMBER_WORDS.get(sum), item.correctChoice(), item.context());
            }
        }
    }

    @Test
    void petAndColorAnswersFollowTheirFactTables() {
        for (var table : Map.of(new PetSkill(), PET_OF, new ColorSkill(), COLOR_OF).entrySet()) {
            for (Split split : Split.values()) {
                for (SkillItem item : SkillDataset.generate(table.getKey(), 3, SIZES).split(split)) {
                    String child = table.getValue().keySet().stream().filter(n -> item.context().contains(n + " ")).findFirst().orElseThrow();
                    assertEquals(table.getValue().get(child), item.correctChoice(), item.context());
                }
            }
        }
    }

    /**
     * Shuffled labels are the gold answers permuted among the rows (same seed, same rows), so they carry no
     * information about the context: with 8 equally common pet words about 1 in 8 lands on its own gold.
     */
    @Test
    void shuffledLabelsArePermutedGoldAnswersIndependentOfTheContext() {
        SkillDataset data = SkillDataset.generate(new PetSkill(), 7, SIZES);
        List<SkillItem> gold = data.split(Split.TRAIN);
        List<SkillItem> shuffled = data.withShuffledLabels(Split.TRAIN, 11);
        assertEquals(shuffled, data.withShuffledLabels(Split.TRAIN, 11), "same seed, same labels");
        assertNotEquals(shuffled, data.withShuffledLabels(Split.TRAIN, 12), "another seed, other labels");
        assertEquals(gold.stream().map(SkillItem::correctChoice).sorted().toList(),
                shuffled.stream().map(SkillItem::correctChoice).sorted().toList(), "the labels are a permutation of the gold answers");
        int same = 0;
        for (int i = 0; i < gold.size(); i++) {
            assertEquals(gold.get(i).context(), shuffled.get(i).context());
            assertTrue(PetSkill.PETS.containsAll(shuffled.get(i).choices()), shuffled.get(i).choices().toString());
            same += gold.get(i).correctChoice().equals(shuffled.get(i).correctChoice()) ? 1 : 0;
        }
        double agreement = (double) same / gold.size();
        // 280 rows at p = 1/8: standard error 0.02; 0.08 is 4 of them.
        assertEquals(1.0 / 8, agreement, 0.08, "labels agree with the gold on " + same + " of " + gold.size() + " rows");
    }

    @Test
    void everyRowHasFourDistinctChoicesAndTheGoldMovesAround() {
        for (Skill skill : Zoo.SKILLS) {
            int[] goldAt = new int[SkillDataset.CHOICES];
            for (SkillItem item : SkillDataset.generate(skill, 4, SIZES).split(Split.VALIDATION)) {
                assertEquals(SkillDataset.CHOICES, Set.copyOf(item.choices()).size());
                assertTrue(skill.answerWords().containsAll(item.choices()), item.choices().toString());
                goldAt[item.answer()]++;
            }
            for (int count : goldAt) {
                assertTrue(count >= 10, skill.name() + ": gold positions are unbalanced " + java.util.Arrays.toString(goldAt));
            }
        }
    }

    @Test
    void rowsAreWrittenInTheHuggingFaceLayout(@TempDir Path tmp) throws Exception {
        SkillDataset.generate(new PetSkill(), 9, SIZES).write(tmp);
        String first = Files.readAllLines(tmp.resolve("validation.jsonl")).getFirst();
        assertTrue(first.matches("\\{\"context\":\"[^\"]+\",\"choices\":\\[(\"[a-z]+\",){3}\"[a-z]+\"],\"answer\":[0-3]}"), first);
    }

    /** Words and sentences are made of real vocabulary pieces: no unknown token, no byte fallback, short answers. */
    @Test
    void textTokenizesIntoVocabularyPieces() {
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            for (Skill skill : Zoo.SKILLS) {
                for (String word : skill.answerWords()) {
                    int[] ids = tokenizer.encode("It was a " + word, false);
                    int[] prefix = tokenizer.encode("It was a", false);
                    assertTrue(ids.length - prefix.length <= 5, word + " takes " + (ids.length - prefix.length) + " pieces");
                    assertVocabularyPieces(ids, word);
                }
                for (SkillItem item : SkillDataset.generate(skill, 1, SIZES).split(Split.VALIDATION)) {
                    assertVocabularyPieces(tokenizer.encode(item.context(), false), item.context());
                }
            }
        }
    }

    private static void assertVocabularyPieces(int[] ids, String text) {
        // 0 is <unk>, 1 and 2 are BOS/EOS, 3..258 are the byte-fallback pieces <0x00>..<0xFF>.
        for (int id : ids) {
            assertTrue(id >= 259, "'" + text + "' needs token " + id + " (unknown or byte fallback)");
        }
    }
}
