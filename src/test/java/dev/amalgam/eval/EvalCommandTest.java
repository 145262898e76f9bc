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
        JsonNode acc = root.at("/results/arc_challenge/acc");
        assertEquals(5, acc.get("n").asInt());
        assertTrue(acc.get("value").asDouble() >= 0 && acc.get("value").asDouble() <= 1);
        assertTrue(acc.get("stderr").isNumber());
        assertTrue(root.at("/results/arc_challenge/acc_norm/value").isNumber());
        JsonNode samples = root.at("/samples/arc_challenge");
        assertEquals(5, samples.size());
        JsonNode first = samples.get(0);
        assertEquals(0, first.get("doc_id").asInt());
        assertEquals(4, first.get("logprobs").size());
        assertEquals(2, first.get("golds").get(0).asInt());
        int predicted = first.at("/predictions/acc").asInt();
        assertEquals(predicted == 2, first.at("/correct/acc").asBoolean());
        assertEquals(20, root.at("/stats/requests").asInt());
        assertEquals(5, root.at("/config/limit").asInt());
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
