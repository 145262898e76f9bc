package dev.amalgam.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reports journals written by a real short {@code amalgam evolve} search (see resources SOURCE.md). */
class RealSearchReportTest {
    private static final Path RECORDED = Path.of("src/test/resources/dev/amalgam/report");

    @TempDir
    Path tmp;

    private Path copy(String name) throws IOException {
        Path run = tmp.resolve(name);
        Files.createDirectories(run);
        try (var files = Files.list(RECORDED.resolve(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, run.resolve(f.getFileName()));
            }
        }
        return run;
    }

    private static void assertPng(Path file, int width, int height) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(width, image.getWidth(), file.toString());
        assertEquals(height, image.getHeight(), file.toString());
    }

    @Test
    void rendersEveryArtifactAndTheSummaryMatchesTheCsvs() throws IOException {
        Path nsga2 = copy("real-nsga2");
        Path ga = copy("real-ga");
        ReportWriter.Report report = ReportWriter.write(new ReportWriter.Options(List.of(nsga2, ga), Optional.empty(),
                List.of()));

        Path out = nsga2.resolve("report");
        assertPng(out.resolve("fitness.png"), 1600, 1000);  // fitness, tasks, comparison
        assertPng(out.resolve("genes.png"), 1600, 1000);    // weight/density x [self_attn]/[other tensors]
        assertPng(out.resolve("pareto.png"), 800, 500);
        assertTrue(Files.readString(out.resolve("fitness.svg")).contains("<svg"));

        // Expected numbers straight from the CSV text.
        List<String[]> candidates = PlainCsv.rows(nsga2.resolve("candidates.csv"));
        List<String[]> generations = PlainCsv.rows(nsga2.resolve("generations.csv"));
        List<String[]> heldout = PlainCsv.rows(nsga2.resolve("heldout.csv"));
        int fitness = PlainCsv.column(candidates, "fitness");
        double best = candidates.stream().skip(1).mapToDouble(r -> Double.parseDouble(r[fitness])).max().orElseThrow();
        String bestId = candidates.stream().skip(1).filter(r -> Double.parseDouble(r[fitness]) == best)
                .findFirst().orElseThrow()[1];
        int h = PlainCsv.column(heldout, "heldout_fitness");
        assertEquals(String.format(Locale.ROOT, "real-nsga2 (nsga2): %d generations complete, %d evaluations",
                generations.size() - 1, candidates.size() - 1), report.summary().get(0));
        assertEquals(String.format(Locale.ROOT, "  best search fitness %.4f (%s, exported), its held-out fitness %.4f (%s)",
                best, bestId, Double.parseDouble(heldout.get(1)[h]), heldout.get(1)[1]), report.summary().get(1));

        String html = Files.readString(out.resolve("report.html"));
        for (String[] row : heldout.subList(1, heldout.size())) {
            assertTrue(html.contains(String.format(Locale.ROOT, "<tr><td>%s</td><td class=\"id\">%s</td><td>%.4f</td>"
                    + "<td>%.4f</td>", row[0], row[1], Double.parseDouble(row[2]), Double.parseDouble(row[h]))),
                    "top-candidate row for " + row[1]);
        }
        assertEquals("g4-c1", ReportedRun.read(nsga2).exported().id(), "pareto.csv marks g4-c1 as exported");
    }
}
