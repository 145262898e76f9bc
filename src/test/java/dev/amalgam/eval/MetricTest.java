package dev.amalgam.eval;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MetricTest {
    @Test
    void accNormDividesByCodePointsAndAccBytesByUtf8Bytes() {
        List<String> choices = List.of("ééé", "abcd"); // 3 code points but 6 bytes; 4 and 4
        assertEquals(6, choices.get(0).getBytes(StandardCharsets.UTF_8).length);
        double[] logprobs = {-3.3, -4.0};
        assertEquals(0, Metric.ACC.predict(logprobs, choices));       // -3.3 > -4.0
        assertEquals(1, Metric.ACC_NORM.predict(logprobs, choices));  // -1.1 < -1.0
        assertEquals(0, Metric.ACC_BYTES.predict(logprobs, choices)); // -0.55 > -1.0
    }

    @Test
    void accNormCountsAstralCharactersOnceNotAsUtf16Pairs() {
        List<String> choices = List.of("😀😀", "abc"); // 2 code points (4 UTF-16 units)
        double[] logprobs = {-2.2, -3.0};
        assertEquals(1, Metric.ACC_NORM.predict(logprobs, choices)); // -1.1 vs -1.0; with 4 units it would be -0.55
    }

    @Test
    void tiesGoToTheFirstChoiceAsNumpyArgmax() {
        assertEquals(1, Metric.ACC.predict(new double[] {-2, -1, -1}, List.of("a", "b", "c")));
    }

    @Test
    void meanStderrIsSampleStdOverSqrtN() {
        MetricValue v = MetricValue.ofScores(new double[] {1, 0, 1, 1});
        assertEquals(0.75, v.value(), 1e-12);
        // sample variance = (3 * 0.0625 + 0.5625) / 3 = 0.25; stderr = 0.5 / 2
        assertEquals(0.25, v.stderr(), 1e-12);
        assertEquals(4, v.n());
    }
}
