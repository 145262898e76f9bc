package dev.amalgam.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Group files listing tasks by name, and lm-eval's group aggregation checked against hand-computed values. */
class GroupResultTest {
    @Test
    void groupListsTasksAndAggregatesByLmEvalsRules(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("d.jsonl"), "{\"q\": \"x\", \"o\": [\"a\", \"b\"], \"g\": 0}\n");
        for (String name : List.of("t1", "t2")) {
            Files.writeString(dir.resolve(name + ".yaml"), """
                    task: %s
                    dataset: {path: ., files: {test: d.jsonl}}
                    test_split: test
                    doc_to_text: "{{q}}"
                    doc_to_choice: "{{o}}"
                    doc_to_target: g
                    """.formatted(name));
        }
        Files.writeString(dir.resolve("both.yaml"), "group: both\ntask: [t1, t2]\naggregate_metric_list: [{metric: acc, weight_by_size: true}]\n");
        Files.writeString(dir.resolve("plain.yaml"), "group: plain\ntask: [t1, t2]\n");
        TaskRegistry registry = TaskRegistry.scan(dir, Optional.empty());
        TaskGroup weighted = registry.select(List.of("both")).groups().getFirst();
        TaskGroup unweighted = registry.select(List.of("plain")).groups().getFirst();
        assertEquals(List.of("t1", "t2"), weighted.tasks().stream().map(TaskDefinition::name).toList());
        assertEquals(true, weighted.weightBySize());
        assertEquals(false, unweighted.weightBySize());

        // t1: scores 1,1,1,0 (mean .75, sample var .25, stderr .25); t2: scores 0,0 (mean 0, stderr 0)
        Map<String, TaskResult> results = Map.of(
                "t1", new TaskResult("t1", 0, Map.of("acc", MetricValue.ofScores(new double[] {1, 1, 1, 0})), List.of()),
                "t2", new TaskResult("t2", 0, Map.of("acc", MetricValue.ofScores(new double[] {0, 0})), List.of()));
        // pooled variance = ((4-1) * .25^2 * 4 + 0) / (6 - 2) = .1875; stderr = sqrt(.1875 / 6)
        MetricValue micro = GroupResult.aggregate(weighted, results).metrics().get("acc");
        assertEquals(0.5, micro.value(), 1e-12);
        assertEquals(Math.sqrt(0.1875 / 6), micro.stderr(), 1e-12);
        assertEquals(6, micro.n());
        MetricValue macro = GroupResult.aggregate(unweighted, results).metrics().get("acc");
        assertEquals(0.375, macro.value(), 1e-12);
        assertEquals(Math.sqrt(0.1875 / 6), macro.stderr(), 1e-12);
    }
}
