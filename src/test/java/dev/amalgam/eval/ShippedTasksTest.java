package dev.amalgam.eval;

import dev.amalgam.BadInputException;
import dev.amalgam.eval.TaskDocuments.DocumentSelection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped ARC and MMLU definitions load the fixture data and render prompts exactly as lm-eval does. */
class ShippedTasksTest {
    @Test
    void registryIndexesShippedTasksButNotTemplates() {
        assertEquals(List.of("arc_challenge", "arc_easy", "demo_arithmetic", "demo_colors", "demo_pets", "mmlu"), EvalFixtures.shippedTasks().names());
    }

    @Test
    void arcChallengeRendersAsLmEval() {
        TaskSelection selection = EvalFixtures.shippedTasks().select(List.of("arc_challenge"));
        TaskDefinition arc = selection.tasks().getFirst();
        assertEquals(List.of(Metric.ACC, Metric.ACC_NORM), arc.metrics());
        List<McDocument> docs = new TaskDocuments().render(arc, DocumentSelection.first(2));
        assertEquals(new McDocument(0,
                "Question: An astronomer observes that a planet rotates faster after a meteorite impact. Which is the most likely effect of this increase in rotation?\nAnswer:",
                List.of("Planetary density will decrease.", "Planetary years will become longer.", "Planetary days will become shorter.", "Planetary gravity will become stronger."),
                List.of(2)), docs.get(0));
        assertEquals(List.of(1), docs.get(1).golds());
        assertEquals("buildings will be made safer", docs.get(1).choices().get(1));
    }

    @Test
    void arcChallengeHasAllFixtureRows() {
        TaskDefinition arc = EvalFixtures.shippedTasks().select(List.of("arc_challenge")).tasks().getFirst();
        List<McDocument> docs = new TaskDocuments().render(arc, DocumentSelection.ALL);
        assertEquals(1172, docs.size());
        // SOURCE.md: gold distribution of ARC-Challenge is 0:261, 1:306, 2:311, 3:294
        assertEquals(311, docs.stream().filter(d -> d.golds().equals(List.of(2))).count());
    }

    @Test
    void arcEasyReadsHfSchemaRowsWithNumericLabels(@TempDir Path dir) throws IOException {
        // A real ai2_arc row can use labels "1".."4" and fewer than 4 choices: the target maps via answerKey.
        Files.createDirectories(dir.resolve("arc"));
        Files.writeString(dir.resolve("arc/ARC-Easy-test.hf.jsonl"), """
                {"id": "x1", "question": "Which is a liquid?", "choices": {"text": ["ice", "water", "steam"], "label": ["1", "2", "3"]}, "answerKey": "2"}
                """);
        TaskDefinition easy = TaskRegistry.scan(EvalFixtures.TASKS, Optional.of(dir)).select(List.of("arc_easy")).tasks().getFirst();
        McDocument doc = new TaskDocuments().render(easy, DocumentSelection.ALL).getFirst();
        assertEquals(new McDocument(0, "Question: Which is a liquid?\nAnswer:", List.of("ice", "water", "steam"), List.of(1)), doc);
    }

    @Test
    void mmluIsA57SubjectGroupWeightedBySize() {
        TaskSelection selection = EvalFixtures.shippedTasks().select(List.of("mmlu"));
        TaskGroup mmlu = selection.groups().getFirst();
        assertEquals(57, mmlu.tasks().size());
        assertTrue(mmlu.weightBySize());
        assertEquals("mmlu_abstract_algebra", mmlu.tasks().getFirst().name());
        assertEquals(57, selection.tasks().size());
    }

    @Test
    void mmluAnatomyFiveShotContextIsExactlyLmEvals() {
        TaskDefinition anatomy = mmluTask("mmlu_anatomy");
        assertEquals(5, anatomy.numFewshot());
        List<McDocument> docs = new TaskDocuments().render(anatomy, DocumentSelection.first(1));
        String expected = "The following are multiple choice questions (with answers) about anatomy.\n\n"
                + "What is the embryological origin of the hyoid bone?\nA. The first pharyngeal arch\nB. The first and second pharyngeal arches\nC. The second pharyngeal arch\nD. The second and third pharyngeal arches\nAnswer: D\n\n"
                + "Which of these branches of the trigeminal nerve contain somatic motor processes?\nA. The supraorbital nerve\nB. The infraorbital nerve\nC. The mental nerve\nD. None of the above\nAnswer: D\n\n"
                + "The pleura\nA. have no sensory innervation.\nB. are separated by a 2 mm space.\nC. extend into the neck.\nD. are composed of respiratory epithelium.\nAnswer: C\n\n"
                + "In Angle's Class II Div 2 occlusion there is\nA. excess overbite of the upper lateral incisors.\nB. negative overjet of the upper central incisors.\nC. excess overjet of the upper lateral incisors.\nD. excess overjet of the upper central incisors.\nAnswer: C\n\n"
                + "Which of the following is the body cavity that contains the pituitary gland?\nA. Abdominal\nB. Cranial\nC. Pleural\nD. Spinal\nAnswer: B\n\n"
                + "A lesion causing compression of the facial nerve at the stylomastoid foramen will cause ipsilateral\nA. paralysis of the facial muscles.\nB. paralysis of the facial muscles and loss of taste.\nC. paralysis of the facial muscles, loss of taste and lacrimation.\nD. paralysis of the facial muscles, loss of taste, lacrimation and decreased salivation.\nAnswer:";
        assertEquals(new McDocument(0, expected, List.of("A", "B", "C", "D"), List.of(0)), docs.getFirst());
    }

    @Test
    void mmluZeroShotDescriptionSpellsSubjectWithSpaces() {
        TaskDefinition bio = mmluTask("mmlu_high_school_biology").withNumFewshot(0);
        McDocument doc = new TaskDocuments().render(bio, DocumentSelection.first(1)).getFirst();
        assertTrue(doc.context().startsWith("The following are multiple choice questions (with answers) about high school biology.\n\n"), doc.context());
        assertTrue(doc.context().endsWith("\nAnswer:"));
        assertEquals(4, doc.choices().size());
    }

    @Test
    void mmluSubjectsCoverTheWholeTestFile() {
        TaskDocuments renderer = new TaskDocuments(); // parses the combined test file once
        int total = EvalFixtures.shippedTasks().select(List.of("mmlu")).tasks().stream()
                .mapToInt(t -> renderer.render(t.withNumFewshot(0), DocumentSelection.ALL).size()).sum();
        assertEquals(14079, total); // SOURCE.md: test rows over 57 subjects
    }

    @Test
    void seededSubsetIsReproducibleAndSorted() {
        TaskDefinition arc = EvalFixtures.shippedTasks().select(List.of("arc_challenge")).tasks().getFirst();
        List<Integer> a = new TaskDocuments().render(arc, DocumentSelection.sampled(20, 7)).stream().map(McDocument::docId).toList();
        List<Integer> b = new TaskDocuments().render(arc, DocumentSelection.sampled(20, 7)).stream().map(McDocument::docId).toList();
        List<Integer> c = new TaskDocuments().render(arc, DocumentSelection.sampled(20, 8)).stream().map(McDocument::docId).toList();
        assertEquals(a, b);
        assertEquals(20, a.size());
        assertTrue(!a.equals(c));
        assertEquals(a.stream().sorted().toList(), a);
        assertTrue(a.getLast() > 19, "a sample, not the first 20");
    }

    @Test
    void unknownTaskNameSuggestsTheNearest() {
        TaskRegistry tasks = EvalFixtures.shippedTasks();
        BadInputException e = assertThrows(BadInputException.class, () -> tasks.select(List.of("arc_chalenge")));
        assertTrue(e.getMessage().contains("did you mean 'arc_challenge'"), e.getMessage());
    }

    @Test
    void missingDataFileNamesTheSplitAndPath(@TempDir Path empty) {
        TaskDefinition arc = TaskRegistry.scan(EvalFixtures.TASKS, Optional.of(empty)).select(List.of("arc_challenge")).tasks().getFirst();
        BadInputException e = assertThrows(BadInputException.class, () -> new TaskDocuments().render(arc, DocumentSelection.ALL));
        assertTrue(e.getMessage().contains("dataset.files.test") && e.getMessage().contains("ARC-Challenge-test.hf.jsonl"), e.getMessage());
    }

    private static TaskDefinition mmluTask(String name) {
        return EvalFixtures.shippedTasks().select(List.of("mmlu")).tasks().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void subtaskVarsAreVisibleToTemplates() {
        assertEquals(Map.of("subject", "anatomy"), mmluTask("mmlu_anatomy").vars());
    }
}
