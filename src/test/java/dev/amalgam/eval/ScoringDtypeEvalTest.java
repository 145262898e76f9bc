package dev.amalgam.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.Fixtures;
import dev.amalgam.cli.AmalgamCommand;
import dev.amalgam.llm.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code eval --scoring-dtype float16} on the fixture model: the same accuracy as float32, log-likelihoods within fp16's tolerance. */
class ScoringDtypeEvalTest {
    /**
     * Per continuation token: 8 eps (fp16's 2^-10) x 20, a bound on the size of stories260K's logits (see
     * ScoringResidencyTest); a choice's log-likelihood sums its tokens', so its bound is that times its token count.
     */
    static final double PER_TOKEN = 8 * 0x1p-10 * 20;

    @Test
    void float16ResidencyScoresArcLikeFloat32(@TempDir Path dir) throws IOException {
        JsonNode f32 = eval(dir, "float32");
        JsonNode f16 = eval(dir, "float16");
        assertEquals("float32", f32.at("/config/scoring_dtype").asText());
        assertEquals("float16", f16.at("/config/scoring_dtype").asText());
        for (String metric : new String[]{"acc,none", "acc_norm,none"}) {
            assertEquals(f32.at("/results/arc_challenge").get(metric).asDouble(), f16.at("/results/arc_challenge").get(metric).asDouble(), metric);
        }
        JsonNode a = f32.at("/samples/arc_challenge");
        JsonNode b = f16.at("/samples/arc_challenge");
        assertEquals(20, a.size());
        double worst = 0; // per token
        try (TextTokenizer tokenizer = TextTokenizer.load(Fixtures.stories260K())) {
            for (int doc = 0; doc < a.size(); doc++) {
                for (int c = 0; c < a.get(doc).get("resps").size(); c++) {
                    double diff = Math.abs(a.get(doc).at("/resps/" + c + "/0/0").asDouble() - b.get(doc).at("/resps/" + c + "/0/0").asDouble());
                    int tokens = tokenizer.encode(a.get(doc).at("/arguments/" + c + "/1").asText(), false).length;
                    worst = Math.max(worst, diff / tokens);
                }
            }
        }
        System.out.printf("stories260K ARC, 20 items: fp16 vs fp32 worst |dLL| per continuation token %.3g%n", worst);
        assertTrue(worst <= PER_TOKEN, "worst |dLL| per token " + worst);
    }

    @Test
    void anUnknownScoringDtypeIsRefusedInOneLine() {
        StringWriter err = new StringWriter();
        CommandLine cli = AmalgamCommand.newCommandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("eval", Fixtures.stories260K().toString(), "--tasks", "arc_challenge", "--scoring-dtype", "fp8",
                "--data-dir", Fixtures.evalData().toString(), "--tasks-dir", EvalFixtures.TASKS.toString());
        assertEquals(AmalgamCommand.EXIT_BAD_INPUT, code);
        assertTrue(err.toString().contains("--scoring-dtype: expected float32, bfloat16, float16 or auto, got 'fp8'"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    private static JsonNode eval(Path dir, String dtype) throws IOException {
        Path json = dir.resolve(dtype + ".json");
        StringWriter err = new StringWriter();
        CommandLine cli = AmalgamCommand.newCommandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("eval", Fixtures.stories260K().toString(), "--tasks", "arc_challenge", "--limit", "20",
                "--scoring-dtype", dtype, "--data-dir", Fixtures.evalData().toString(),
                "--tasks-dir", EvalFixtures.TASKS.toString(), "--output", json.toString());
        assertEquals(0, code, err.toString());
        return new ObjectMapper().readTree(json.toFile());
    }
}
