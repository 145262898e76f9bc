package dev.amalgam.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-worker timeline of a hand-made cluster journal with known timings: w1 scores the even candidates j = 0..5
 * over [1000 + 10j, 1008 + 10j] (busy 48 s of a 58 s span), w2 the odd ones over [1001 + 20j, 1011 + 20j] except the
 * last, which starts at 1086 and overlaps the one before by 5 s (busy 55 s, not 60, of a 95 s span); candidate 3
 * (w2) failed.
 */
class WorkerTimelineTest {
    @TempDir
    Path tmp;

    private static HandMadeJournal.Scoring scoring(int k) {
        int j = k / 2;
        if (k % 2 == 0) {
            return new HandMadeJournal.Scoring("w1", 1000 + 10 * j, 1008 + 10 * j, "");
        }
        double start = k == 11 ? 1086 : 1001 + 20 * j;
        return new HandMadeJournal.Scoring("w2", start, start + 10, k == 3 ? "OutOfMemoryError: Java heap space" : "");
    }

    @Test
    void utilisationPerWorkerAndTheChartFromAClusterJournal() throws Exception {
        Path run = HandMadeJournal.writeClustered(tmp.resolve("clustered"), WorkerTimelineTest::scoring);
        ReportWriter.Report report = ReportWriter.write(new ReportWriter.Options(List.of(run), Optional.empty(), List.of()));

        WorkerTimeline t = WorkerTimeline.of(ReportedRun.read(run).candidates()).orElseThrow();
        assertEquals(1000, t.start(), 0);
        assertEquals(List.of("w1", "w2"), t.lanes().stream().map(WorkerTimeline.Lane::worker).toList());
        WorkerTimeline.Lane w1 = t.lanes().get(0);
        WorkerTimeline.Lane w2 = t.lanes().get(1);
        assertEquals(6, w1.bars().size());
        assertEquals(48, w1.busySeconds(), 1e-6);
        assertEquals(58, w1.spanSeconds(), 1e-6);
        assertEquals(48.0 / 58, w1.utilisation(), 1e-9);
        assertEquals(0, w1.failed());
        assertEquals(55, w2.busySeconds(), 1e-6);
        assertEquals(95, w2.spanSeconds(), 1e-6);
        assertEquals(55.0 / 95, w2.utilisation(), 1e-9);
        assertEquals(1, w2.failed());
        assertTrue(w2.bars().get(1).failed() && w2.bars().get(1).candidate().equals("g0-c3"), w2.bars().toString());
        assertEquals(96, t.spanSeconds(), 1e-6);
        assertEquals(103.0 / (2 * 96), t.utilisation(), 1e-9);

        Path png = run.resolve("report/timeline.png");
        assertTrue(report.files().contains(png));
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "timeline.png does not decode");
        assertEquals(800, image.getWidth());
        assertEquals(500, image.getHeight());
        assertTrue(report.summary().contains("  workers: 2, utilisation 54% over 96.0 s (busy / (workers x span))"), report.summary().toString());
        assertTrue(report.summary().stream().anyMatch(l -> l.matches(" +w2 +6 candidates \\(1 failed\\), busy 55\\.0 s of 95\\.0 s, utilisation 58%")),
                report.summary().toString());
        String html = Files.readString(run.resolve("report/report.html"));
        assertTrue(html.contains("alt=\"timeline.png\""), "the timeline is on the page");
        assertTrue(html.contains("<tr><td class=\"id\">w1</td><td>6</td><td>0</td><td>48.0</td><td>58.0</td><td>83%</td></tr>"), html);
    }

    @Test
    void aSingleProcessRunHasNoTimeline() throws Exception {
        Path run = HandMadeJournal.write(tmp.resolve("local"), false); // every worker 'local', no timings
        ReportWriter.Report report = ReportWriter.write(new ReportWriter.Options(List.of(run), Optional.empty(), List.of()));
        assertFalse(Files.exists(run.resolve("report/timeline.png")));
        assertFalse(report.summary().stream().anyMatch(l -> l.startsWith("  workers:")), report.summary().toString());
        assertTrue(WorkerTimeline.of(ReportedRun.read(run).candidates()).isEmpty());
    }
}
