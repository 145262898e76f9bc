package dev.amalgam.report;

import dev.amalgam.BadInputException;
import dev.amalgam.history.GenerationStats;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * {@code fitness.png/svg}: the first run's fitness per generation (best, mean, 10th-90th percentile band), the
 * per-task scores of each generation's best, and with several runs their best-so-far curves against evaluations
 * (not generations, so strategies with different population sizes compare fairly). Non-finite values (a
 * generation whose candidates failed) are left out of the lines instead of breaking the axes.
 */
final class FitnessChart {
    static final String FITNESS_AXIS = "fitness (weighted task score, 0-1)";
    private static final Color BAND = new Color(70, 130, 180, 70);
    private static final Color MEAN = new Color(70, 130, 180);
    private static final Color BEST = new Color(200, 60, 40);

    private FitnessChart() {
    }

    static ChartGrid of(List<ReportedRun> runs) {
        ReportedRun first = runs.getFirst();
        List<XYChart> panels = new ArrayList<>(List.of(fitness(first), tasks(first)));
        if (runs.size() > 1) {
            panels.add(comparison(runs));
        }
        return new ChartGrid(panels, 2);
    }

    /** A line over the generations where {@code y} is finite; empty if it is finite nowhere. */
    private static Optional<XYSeries> line(XYChart chart, String name, List<GenerationStats> gens,
                                           ToDoubleFunction<GenerationStats> y) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (GenerationStats g : gens) {
            if (Double.isFinite(y.applyAsDouble(g))) {
                xs.add((double) g.generation());
                ys.add(y.applyAsDouble(g));
            }
        }
        return xs.isEmpty() ? Optional.empty() : Optional.of(chart.addSeries(name, xs, ys));
    }

    private static XYChart fitness(ReportedRun run) {
        XYChart chart = ChartPanels.xy(run.name() + " (" + run.config().strategy() + "): fitness per generation",
                "generation", FITNESS_AXIS);
        chart.getStyler().setXAxisDecimalPattern("0");
        // The band is one polygon: along the 90th percentile forwards, back along the 10th.
        List<GenerationStats> banded = run.generations().stream()
                .filter(g -> Double.isFinite(g.p10()) && Double.isFinite(g.p90())).toList();
        if (!banded.isEmpty()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            banded.forEach(g -> { x.add((double) g.generation()); y.add(g.p90()); });
            banded.reversed().forEach(g -> { x.add((double) g.generation()); y.add(g.p10()); });
            XYSeries band = chart.addSeries("10th-90th percentile", x, y);
            band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
            band.setFillColor(BAND);
            if (banded.size() == 1) {
                band.setLineColor(BAND); // over one generation the band is only its outline: a thick bar
                band.setLineWidth(6);
            } else {
                band.setLineColor(new Color(0, 0, 0, 0));
            }
            band.setMarker(SeriesMarkers.NONE);
        }
        line(chart, "mean", run.generations(), GenerationStats::mean).ifPresent(mean -> {
            mean.setLineColor(MEAN);
            mean.setMarkerColor(MEAN);
            mean.setMarker(run.generations().size() == 1 ? SeriesMarkers.DIAMOND : SeriesMarkers.NONE);
        });
        XYSeries best = line(chart, "best", run.generations(), GenerationStats::best).orElseThrow(() ->
                new BadInputException(run.dir().resolve("generations.csv") + ": no generation has a finite best fitness"));
        best.setLineColor(BEST);
        best.setMarkerColor(BEST);
        best.setMarker(SeriesMarkers.CIRCLE);
        return chart;
    }

    private static XYChart tasks(ReportedRun run) {
        List<GenerationStats> gens = run.generations();
        XYChart chart = ChartPanels.xy(run.name() + ": task scores of each generation's best", "generation",
                "search-split task score (0-1)");
        chart.getStyler().setXAxisDecimalPattern("0");
        for (int i = 0; i < run.tasks().size(); i++) {
            int task = i;
            line(chart, run.tasks().get(i), gens, g -> g.bestTasks()[task]);
        }
        if (chart.getSeriesMap().isEmpty()) {
            line(chart, "best fitness (no task scores)", gens, GenerationStats::best);
        }
        return chart;
    }

    private static XYChart comparison(List<ReportedRun> runs) {
        XYChart chart = ChartPanels.xy("best so far by evaluations", "evaluations (distinct candidates scored)",
                "best " + FITNESS_AXIS);
        chart.getStyler().setXAxisDecimalPattern("0");
        Set<String> names = new HashSet<>();
        for (ReportedRun run : runs) {
            String name = run.name() + " (" + run.config().strategy() + ")";
            while (!names.add(name)) {
                name = name + "'"; // two runs in folders of the same name
            }
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            double bestSoFar = Double.NEGATIVE_INFINITY;
            for (GenerationStats g : run.generations()) {
                if (Double.isFinite(g.best())) {
                    bestSoFar = Math.max(bestSoFar, g.best());
                }
                if (Double.isFinite(bestSoFar)) {
                    x.add((double) g.evaluations());
                    y.add(bestSoFar);
                }
            }
            if (!x.isEmpty()) {
                chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
            }
        }
        return chart;
    }
}
