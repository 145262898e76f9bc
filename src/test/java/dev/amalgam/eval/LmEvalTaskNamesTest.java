package dev.amalgam.eval;

import dev.amalgam.BadInputException;
import dev.amalgam.eval.TaskDocuments.DocumentSelection;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every name lm-eval accepts for the shipped tasks selects them: subtasks of a group, several subjects, tags. */
class LmEvalTaskNamesTest {
    @Test
    void oneMmluSubjectSelectsThatTaskAlone() {
        TaskSelection s = EvalFixtures.shippedTasks().select(List.of("mmlu_abstract_algebra"));
        assertEquals(List.of("mmlu_abstract_algebra"), s.tasks().stream().map(TaskDefinition::name).toList());
        assertEquals(List.of(), s.groups());
        TaskDefinition algebra = s.tasks().getFirst();
        assertEquals(5, algebra.numFewshot());
        List<McDocument> docs = new TaskDocuments().render(algebra.withNumFewshot(0), DocumentSelection.ALL);
        assertEquals(100, docs.size()); // cais/mmlu abstract_algebra test split
        assertTrue(docs.getFirst().context().startsWith("The following are multiple choice questions (with answers) about abstract algebra."));
    }

    @Test
    void severalSubjectsAndTheGroupAreScoredOnce() {
        TaskSelection s = EvalFixtures.shippedTasks().select(List.of("mmlu_virology", "mmlu_anatomy", "mmlu", "mmlu_anatomy"));
        assertEquals(57, s.tasks().size());
        assertEquals(List.of("mmlu_virology", "mmlu_anatomy"), s.tasks().subList(0, 2).stream().map(TaskDefinition::name).toList());
        assertEquals(List.of("mmlu"), s.groups().stream().map(TaskGroup::name).toList());
    }

    @Test
    void subjectDefinitionEqualsTheGroupMember() {
        TaskDefinition alone = EvalFixtures.shippedTasks().select(List.of("mmlu_anatomy")).tasks().getFirst();
        TaskDefinition member = EvalFixtures.shippedTasks().select(List.of("mmlu")).tasks().stream()
                .filter(t -> t.name().equals("mmlu_anatomy")).findFirst().orElseThrow();
        List<McDocument> a = new TaskDocuments().render(alone, DocumentSelection.first(3));
        assertEquals(new TaskDocuments().render(member, DocumentSelection.first(3)), a);
        assertEquals(member.vars(), alone.vars());
    }

    @Test
    void tagSelectsItsTasksWithoutAGroup() {
        TaskRegistry registry = EvalFixtures.shippedTasks();
        assertEquals(List.of("arc_challenge", "arc_easy"), registry.tags().get("ai2_arc"));
        TaskSelection s = registry.select(List.of("ai2_arc"));
        assertEquals(List.of("arc_challenge", "arc_easy"), s.tasks().stream().map(TaskDefinition::name).toList());
        assertEquals(List.of(), s.groups());
    }

    @Test
    void misspelledSubjectSuggestsIt() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> EvalFixtures.shippedTasks().select(List.of("mmlu_abstract_algebr")));
        assertTrue(e.getMessage().contains("did you mean 'mmlu_abstract_algebra'"), e.getMessage());
        assertTrue(e.getMessage().contains("57 subtasks"), e.getMessage());
    }
}
