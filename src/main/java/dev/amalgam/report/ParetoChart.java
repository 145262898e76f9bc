package dev.amalgam.report;

import dev.amalgam.BadInputException;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.JournalTable;
import dev.amalgam.history.ParetoPoint;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.util.Comparator;
import java.util.List;

/**
 * {@code pareto.png} for NSGA-II runs: every evaluated candidate and the final front over two task objectives,
 * with the exported candidate marked.
 */
final class ParetoChart {
    private ParetoChart() {
    }

    /**
     * The two objectives to plot: {@code chosen} (task names, with or without the {@code task:} prefix) or, if
     * empty, the first two task columns of {@code pareto.csv}.
     */
    static List<String> objectives(ReportedRun run, List<String> chosen) {
        List<String> tasks = run.tasks();
        if (chosen.isEmpty()) {
            if (tasks.size() < 2) {
                throw new BadInputException(run.dir().resolve("pareto.csv") + " line 1: needs two task columns for a"
                        + " Pareto plot, has " + tasks);
            }
            return tasks.subList(0, 2);
        }
        List<String> names = chosen.stream().map(n -> n.startsWith(JournalTable.TASK)
                ? n.substring(JournalTable.TASK.length()) : n).toList();
        if (names.size() != 2 || names.get(0).equals(names.get(1))) {
            throw new BadInputException("--objectives: expected two different task names, got " + chosen);
        }
        for (String name : names) {
            if (!tasks.contains(name)) {
                throw new BadInputException("--objectives: no task '" + name + "' in "
                        + run.dir().resolve("pareto.csv") + " (tasks: " + tasks + ")");
            }
        }
        return names;
    }

    static ChartGrid of(ReportedRun run, List<String> objectives) {
        int a = run.tasks().indexOf(objectives.get(0));
        int b = run.tasks().indexOf(objectives.get(1));
        XYChart chart = ChartPanels.xy(run.name() + ": final Pareto front (" + run.pareto().size() + " candidates)",
                objectives.get(0) + " score (search split, 0-1)", objectives.get(1) + " score (search split, 0-1)");
        List<double[]> scored = run.candidates().stream().map(Candidate::tasks).filter(t -> finite(t, a, b)).toList();
        XYSeries all = chart.addSeries("evaluated candidates", scored.stream().map(t -> t[a]).toList(),
                scored.stream().map(t -> t[b]).toList());
        all.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        all.setMarkerColor(new Color(170, 170, 170));
        all.setMarker(SeriesMarkers.CIRCLE);
        List<ParetoPoint> front = run.pareto().stream().filter(p -> finite(p.tasks(), a, b))
                .sorted(Comparator.comparingDouble(p -> p.tasks()[a])).toList();
        XYSeries line = chart.addSeries("Pareto front", front.stream().map(p -> p.tasks()[a]).toList(),
                front.stream().map(p -> p.tasks()[b]).toList());
        line.setLineColor(new Color(70, 130, 180));
        line.setMarkerColor(new Color(70, 130, 180));
        line.setMarker(SeriesMarkers.SQUARE);
        for (ParetoPoint p : front) {
            if (p.exported()) {
                XYSeries exported = chart.addSeries("exported: " + p.candidateId(), List.of(p.tasks()[a]),
                        List.of(p.tasks()[b]));
                exported.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                exported.setMarker(SeriesMarkers.DIAMOND);
                exported.setMarkerColor(new Color(200, 60, 40));
            }
        }
        chart.getStyler().setMarkerSize(9);
        return new ChartGrid(List.of(chart), 1);
    }

    private static boolean finite(double[] scores, int a, int b) {
        return Double.isFinite(scores[a]) && Double.isFinite(scores[b]);
    }
}
