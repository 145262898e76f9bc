package dev.amalgam.report;

import dev.amalgam.BadInputException;
import dev.amalgam.files.AtomicFile;
import dev.amalgam.files.IoFailure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Writes the report of one or more search folders: {@code fitness.png/svg}, {@code genes.png}, {@code pareto.png}
 * (NSGA-II runs), {@code timeline.png} (runs scored on a cluster: {@link WorkerTimeline}), {@code report.html} (with
 * the first run's {@link GeneImportance}), and returns the text summary. The first run is the one reported in detail;
 * the others join the fitness comparison and the summary.
 */
public final class ReportWriter {
    private ReportWriter() {
    }

    /**
     * What to report.
     *
     * @param runs       search folders {@code results/<run>}, at least one
     * @param out        output folder, default {@code <first run>/report}
     * @param objectives two task names for the Pareto plot, or empty for the first two
     */
    public record Options(List<Path> runs, Optional<Path> out, List<String> objectives) {
        public Options {
            runs = List.copyOf(runs);
            objectives = List.copyOf(objectives);
            if (runs.isEmpty()) {
                throw new BadInputException("report: give at least one search folder results/<run>");
            }
        }
    }

    /**
     * The written report: its folder, the files in it, the summary lines for stdout, and the id of the first run's
     * exported candidate (the one {@code genes.png} draws).
     */
    public record Report(Path folder, List<Path> files, List<String> summary, String exportedCandidate) {
        public Report {
            files = List.copyOf(files);
            summary = List.copyOf(summary);
        }
    }

    /** Marks a folder as a report folder, so a later {@code --out} to it may replace the files in it. */
    static final String MARKER = ".amalgam-report";

    /** A {@code --out} folder the user named is written only when it is new, empty or an earlier report's. */
    private static void refuseForeignFolder(Path folder) {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new BadInputException("--out " + folder + " is a file, not a folder");
        }
        if (Files.isDirectory(folder) && !Files.exists(folder.resolve(MARKER))) {
            try (Stream<Path> entries = Files.list(folder)) {
                if (entries.findAny().isPresent()) {
                    throw new BadInputException("--out " + folder + ": holds files that are not an amalgam report; "
                            + "give an empty or new folder");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(IoFailure.describe("cannot list", folder, e), e);
            }
        }
    }

    public static Report write(Options options) {
        List<ReportedRun> runs = options.runs().stream().map(ReportedRun::read).toList();
        ReportedRun first = runs.getFirst();
        Path folder = options.out().orElse(first.dir().resolve("report"));
        if (options.out().isPresent()) {
            refuseForeignFolder(folder);
        }
        List<String> notes = new ArrayList<>();
        Map<String, byte[]> pngs = new LinkedHashMap<>();
        Map<String, byte[]> files = new LinkedHashMap<>();
        ChartGrid fitness = FitnessChart.of(runs);
        pngs.put("fitness.png", fitness.png());
        files.put("fitness.svg", fitness.svg());
        pngs.put("genes.png", GeneChart.of(first).png());
        if (!first.pareto().isEmpty()) {
            pngs.put("pareto.png", ParetoChart.of(first, ParetoChart.objectives(first, options.objectives())).png());
        } else if (!options.objectives().isEmpty()) {
            throw new BadInputException("--objectives: " + first.dir().resolve("pareto.csv")
                    + " is missing (only NSGA-II runs write a Pareto front)");
        } else {
            notes.add("no pareto.png: " + first.name() + " has no pareto.csv (not an NSGA-II run, or not finished)");
        }
        Optional<WorkerTimeline> timeline = WorkerTimeline.of(first.candidates());
        timeline.ifPresent(t -> pngs.put("timeline.png", TimelineChart.of(first.name(), t).png()));
        List<RunSummary> summaries = runs.stream().map(RunSummary::of).toList();
        files.putAll(pngs);
        GeneImportance importance = GeneImportance.of(first.genes(), first.candidates());
        files.put("report.html", HtmlReport.render(first, summaries, importance, timeline, pngs).getBytes(StandardCharsets.UTF_8));
        AtomicFile.write(folder.resolve(MARKER), new byte[0]);
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Path path = folder.resolve(file.getKey());
            AtomicFile.write(path, file.getValue());
            written.add(path);
        }
        List<String> summary = new ArrayList<>();
        summaries.forEach(s -> summary.addAll(s.lines()));
        timeline.ifPresent(t -> summary.addAll(t.lines()));
        if (importance.measured()) {
            summary.addAll(importance.lines(5));
        }
        summary.addAll(notes);
        summary.add("report: " + folder.resolve("report.html") + " (with " + String.join(", ",
                files.keySet().stream().filter(n -> !n.equals("report.html")).toList()) + ")");
        return new Report(folder, written, summary, first.exported().id());
    }
}
