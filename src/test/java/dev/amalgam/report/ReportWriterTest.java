package dev.amalgam.report;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWriterTest {
    @TempDir
    Path tmp;

    private static BufferedImage png(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " does not decode as an image");
        return image;
    }

    private static void assertSize(Path file, int width, int height) throws IOException {
        BufferedImage image = png(file);
        assertEquals(width, image.getWidth(), file + " width");
        assertEquals(height, image.getHeight(), file + " height");
        // A rendered chart is not one flat colour: count distinct pixels in a coarse sample.
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < height; y += 7) {
            for (int x = 0; x < width; x += 7) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 5, file + " looks blank");
    }

    private static List<List<String>> tableRows(String html, String tableId) {
        Matcher table = Pattern.compile("<table id=\"" + tableId + "\">(.*?)</table>", Pattern.DOTALL).matcher(html);
        assertTrue(table.find(), "no table " + tableId);
        List<List<String>> rows = new ArrayList<>();
        Matcher row = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL).matcher(table.group(1));
        while (row.find()) {
            List<String> cells = new ArrayList<>();
            Matcher cell = Pattern.compile("<t[dh][^>]*>(.*?)</t[dh]>").matcher(row.group(1));
            while (cell.find()) {
                cells.add(cell.group(1));
            }
            rows.add(cells);
        }
        return rows;
    }

    @Test
    void rendersEveryArtifactOfAFinishedNsga2Run() throws Exception {
        Path run = HandMadeJournal.write(tmp.resolve("run-a"), true);
        ReportWriter.Report report = ReportWriter.write(new ReportWriter.Options(List.of(run), Optional.empty(),
                List.of()));

        Path folder = run.resolve("report");
        assertEquals(folder, report.folder());
        for (String name : List.of("fitness.png", "fitness.svg", "genes.png", "pareto.png", "report.html")) {
            assertTrue(report.files().contains(folder.resolve(name)), name);
            assertTrue(Files.size(folder.resolve(name)) > 1000, name + " is too small");
        }
        assertSize(folder.resolve("fitness.png"), 1600, 500);   // fitness + task panels
        assertSize(folder.resolve("genes.png"), 1600, 500);     // weight + density [mlp] panels
        assertSize(folder.resolve("pareto.png"), 800, 500);

        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document svg = factory.newDocumentBuilder().parse(folder.resolve("fitness.svg").toFile());
        assertEquals("svg", svg.getDocumentElement().getNodeName());
        assertTrue(svg.getDocumentElement().getAttribute("width").startsWith("1600"));

        String html = Files.readString(folder.resolve("report.html"));
        assertFalse(html.contains("http://") && html.contains("src=\"http"), "page must not load from the network");
        assertFalse(Pattern.compile("(src|href)=\"(?!data:)").matcher(html).find(), "every image is inlined");
        Matcher image = Pattern.compile("alt=\"([a-z]+\\.png)\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")
                .matcher(html);
        List<String> inlined = new ArrayList<>();
        while (image.find()) {
            inlined.add(image.group(1));
            assertArrayEquals(Files.readAllBytes(folder.resolve(image.group(1))),
                    Base64.getDecoder().decode(image.group(2)), image.group(1));
        }
        assertEquals(List.of("fitness.png", "genes.png", "pareto.png"), inlined);

        List<List<String>> top = tableRows(html, "top-candidates");
        assertEquals(List.of("rank", "candidate", "search fitness", "held-out fitness", "search arc_easy",
                "search mmlu", "weight/ft-a/g0",
                "weight/ft-a/g1", "weight/ft-b/g0", "weight/ft-b/g1", "density/ft-b/g1/mlp"), top.getFirst());
        assertEquals(1 + HandMadeJournal.HELDOUT_K.length, top.size());
        for (int r = 0; r < HandMadeJournal.HELDOUT_K.length; r++) {
            int k = HandMadeJournal.HELDOUT_K[r];
            List<String> expected = new ArrayList<>(List.of(String.valueOf(r + 1), HandMadeJournal.id(k),
                    String.format(Locale.ROOT, "%.4f", HandMadeJournal.FITNESS[k]),
                    String.format(Locale.ROOT, "%.4f", HandMadeJournal.HELDOUT_FITNESS[r]),
                    String.format(Locale.ROOT, "%.4f", HandMadeJournal.FITNESS[k] + 0.05),
                    String.format(Locale.ROOT, "%.4f", HandMadeJournal.FITNESS[k] - 0.05)));
            for (int j = 0; j < HandMadeJournal.GENES.size(); j++) {
                expected.add(String.format(Locale.ROOT, "%.4f", HandMadeJournal.gene(k, j)));
            }
            assertEquals(expected, top.get(r + 1));
        }
        // time: merge sum 2*12 + 0.1*66 = 30.6 s, scoring 5*12 + 0.2*66 = 73.2 s, wall clock 90 s
        List<List<String>> time = tableRows(html, "time");
        assertEquals(List.of("merging (sum over evaluations)", "30.6", "29%"), time.get(1));
        assertEquals(List.of("scoring (sum over evaluations)", "73.2", "71%"), time.get(2));
        assertEquals(List.of("wall clock", "90.0", ""), time.get(3));
        assertTrue(html.contains("strategy: nsga2"), "run.yaml is on the page");
        // gene importance: the hand-made genes are all 0.1 + 0.05 k + 0.05 j, i.e. one direction, so they share the
        // credit equally and the table lists each of the 5 genes once
        List<List<String>> importance = tableRows(html, "gene-importance");
        assertEquals(1 + HandMadeJournal.GENES.size(), importance.size());
        assertEquals(1, importance.stream().skip(1).map(row -> row.get(1)).distinct().count(), importance.toString());
    }

    @Test
    void severalRunsAddTheComparisonPanel() throws Exception {
        Path a = HandMadeJournal.write(tmp.resolve("ga-run"), false);
        Path b = HandMadeJournal.write(tmp.resolve("nsga-run"), true);
        Path out = tmp.resolve("compare");
        ReportWriter.Report report = ReportWriter.write(new ReportWriter.Options(List.of(a, b), Optional.of(out),
                List.of()));

        assertEquals(out, report.folder());
        assertSize(out.resolve("fitness.png"), 1600, 1000);   // 3 panels in 2 columns
        assertFalse(Files.exists(out.resolve("pareto.png")), "the first run is not NSGA-II");
        assertTrue(report.summary().stream().anyMatch(l -> l.startsWith("ga-run (ga)")));
        assertTrue(report.summary().stream().anyMatch(l -> l.startsWith("nsga-run (nsga2)")));
        assertTrue(report.summary().stream().anyMatch(l -> l.startsWith("no pareto.png")));
        assertFalse(Files.exists(a.resolve("report")), "--out replaces the default folder");
    }

    @Test
    void paretoObjectivesCanBeChosen() throws Exception {
        Path run = HandMadeJournal.write(tmp.resolve("run"), true);
        ReportedRun journal = ReportedRun.read(run);
        assertEquals(List.of("mmlu", "arc_easy"), ParetoChart.objectives(journal, List.of("task:mmlu", "arc_easy")));
        assertEquals(List.of("arc_easy", "mmlu"), ParetoChart.objectives(journal, List.of()));
        ReportWriter.write(new ReportWriter.Options(List.of(run), Optional.empty(), List.of("mmlu", "arc_easy")));
        assertSize(run.resolve("report/pareto.png"), 800, 500);
    }

    /** Failed candidates (NaN or -Infinity scores) leave gaps in the plots, not errors. */
    @Test
    void nonFiniteScoresAreSkipped() throws Exception {
        Path run = HandMadeJournal.write(tmp.resolve("failing"), true);
        List<String> candidates = Files.readAllLines(run.resolve("candidates.csv"));
        String[] header = candidates.getFirst().split(",");
        String[] failed = candidates.get(3).split(","); // g0-c2
        failed[List.of(header).indexOf("fitness")] = "NaN";
        failed[List.of(header).indexOf("task:mmlu")] = "-Infinity";
        candidates.set(3, String.join(",", failed));
        Files.write(run.resolve("candidates.csv"), candidates);
        List<String> generations = Files.readAllLines(run.resolve("generations.csv"));
        String[] row = generations.get(1).split(",");
        row[3] = "NaN";        // mean
        row[6] = "-Infinity";  // p10
        generations.set(1, String.join(",", row));
        Files.write(run.resolve("generations.csv"), generations);

        ReportWriter.Report report = ReportWriter.write(new ReportWriter.Options(List.of(run), Optional.empty(),
                List.of()));
        assertSize(report.folder().resolve("fitness.png"), 1600, 500);
        assertSize(report.folder().resolve("pareto.png"), 800, 500);
        assertTrue(report.summary().get(1).startsWith("  best search fitness 0.7100 (g2-c2, exported)"));

        for (int g = 1; g < generations.size(); g++) {
            String[] r = generations.get(g).split(",");
            r[2] = "NaN"; // best
            generations.set(g, String.join(",", r));
        }
        Files.write(run.resolve("generations.csv"), generations);
        BadInputException e = assertThrows(BadInputException.class,
                () -> ReportWriter.write(new ReportWriter.Options(List.of(run), Optional.empty(), List.of())));
        assertEquals(run.resolve("generations.csv") + ": no generation has a finite best fitness", e.getMessage());
    }
}
