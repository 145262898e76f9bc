package dev.amalgam.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.Fixtures;
import dev.amalgam.cli.AmalgamCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code amalgam eval} in-process on the fixture model. */
class EvalCommandTest {
    @Test
    void evalWritesTableAndJson(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = AmalgamCommand.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("eval", Fixtures.stories260K().toString(), "--tasks", "arc_challenge",
                "--limit", "5", "--batch-size", "8", "--data-dir", Fixtures.evalData().toString(),
                "--tasks-dir", EvalFixtures.TASKS.toString(), "--output", json.toString());
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("arc_challenge"), out.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.startsWith("arc_challenge") && l.contains("acc_norm") && l.strip().endsWith("5")), out.toString());

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        JsonNode arc = root.at("/results/arc_challenge");
        assertTrue(arc.get("acc,none").asDouble() >= 0 && arc.get("acc,none").asDouble() <= 1);
        assertTrue(arc.get("acc_stderr,none").isNumber());
        assertTrue(arc.get("acc_norm,none").isNumber() && arc.get("acc_norm_stderr,none").isNumber());
        assertEquals(5, root.at("/n-samples/arc_challenge/effective").asInt());
        assertEquals(1172, root.at("/n-samples/arc_challenge/original").asInt());
        assertEquals(1.0, root.at("/versions/arc_challenge").asDouble());
        assertEquals(0, root.at("/n-shot/arc_challenge").asInt());
        assertEquals("{{choices.text}}", root.at("/configs/arc_challenge/doc_to_choice").asText());
        assertEquals("acc_norm", root.at("/configs/arc_challenge/metric_list/1/metric").asText());
        JsonNode samples = root.at("/samples/arc_challenge");
        assertEquals(5, samples.size());
        JsonNode first = samples.get(0);
        assertEquals(0, first.get("doc_id").asInt());
        assertEquals(2, first.get("target").asInt());
        assertEquals(4, first.get("resps").size());
        assertEquals(" Planetary days will become shorter.", first.at("/arguments/2/1").asText());
        assertEquals(20, root.at("/stats/requests").asInt());
        assertEquals(5, root.at("/config/limit").asInt());
        assertLogSamplesScoreAsLmEval(samples, 4);
    }

    @Test
    void mmluSubjectRunsAloneAndReadsBackWithLmEvalNames(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        StringWriter err = new StringWriter();
        CommandLine cli = AmalgamCommand.newCommandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("eval", Fixtures.stories260K().toString(), "--tasks", "mmlu_abstract_algebra",
                "--limit", "10", "--data-dir", Fixtures.evalData().toString(),
                "--tasks-dir", EvalFixtures.TASKS.toString(), "--output", json.toString());
        assertEquals(0, code, err.toString());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        JsonNode samples = root.at("/samples/mmlu_abstract_algebra");
        double correct = 0;
        for (JsonNode s : samples) {
            correct += s.get("acc").asDouble();
        }
        assertEquals(correct / 10, root.at("/results/mmlu_abstract_algebra").get("acc,none").asDouble(), 1e-12);
        assertEquals(10, root.at("/n-samples/mmlu_abstract_algebra/effective").asInt());
        assertEquals(100, root.at("/n-samples/mmlu_abstract_algebra/original").asInt());
        assertEquals(5, root.at("/n-shot/mmlu_abstract_algebra").asInt());
        assertEquals(List.of("A", "B", "C", "D"), new ObjectMapper().convertValue(root.at("/configs/mmlu_abstract_algebra/doc_to_choice"), List.class));
        assertEquals(List.of(), new ObjectMapper().convertValue(root.at("/group_subtasks/mmlu_abstract_algebra"), List.class));
        assertTrue(root.at("/results/mmlu").isMissingNode(), "a subject alone reports no mmlu group");
        assertTrue(samples.get(0).at("/arguments/0/0").asText().startsWith("The following are multiple choice questions (with answers) about abstract algebra."));
        assertLogSamplesScoreAsLmEval(samples, 4);
    }

    /** lm-eval's acc: 1 when the argmax of the choices' log-likelihoods (resps) is the target; filtered_resps = resps[i][0]. */
    private static void assertLogSamplesScoreAsLmEval(JsonNode samples, int choices) {
        for (JsonNode s : samples) {
            assertEquals(choices, s.get("filtered_resps").size());
            int best = 0;
            for (int c = 0; c < choices; c++) {
                assertEquals(s.at("/resps/" + c + "/0"), s.at("/filtered_resps/" + c));
                assertTrue(s.at("/resps/" + c + "/0/1").isBoolean());
                if (s.at("/resps/" + c + "/0/0").asDouble() > s.at("/resps/" + best + "/0/0").asDouble()) {
                    best = c;
                }
            }
            assertEquals(best == s.get("target").asInt() ? 1.0 : 0.0, s.get("acc").asDouble(), "doc " + s.get("doc_id"));
            assertEquals("none", s.get("filter").asText());
        }
    }

    @Test
    void unknownTaskExitsWithBadInput(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        CommandLine cli = AmalgamCommand.newCommandLine();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("eval", Fixtures.stories260K().toString(), "--tasks", "mmlu_anatomyy",
                "--tasks-dir", EvalFixtures.TASKS.toString(), "--data-dir", Fixtures.evalData().toString());
        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, code);
        assertTrue(err.toString().contains("unknown task 'mmlu_anatomyy'"), err.toString());
    }
}
