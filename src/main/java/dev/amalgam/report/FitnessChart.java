package dev.amalgam.report;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code fitness.png/svg}: the first run's fitness per generation (best, mean, 10th-90th percentile band), the
 * per-task scores of each generation's best, and with several runs their best-so-far curves against evaluations
 * (not generations, so strategies with different population sizes compare fairly).
 */
final class FitnessChart {
    static final String FITNESS_AXIS = "fitness (weighted task score, 0-1)";

    private FitnessChart() {
    }

    static ChartGrid of(List<RunJournal> runs) {
        RunJournal first = runs.getFirst();
        List<XYChart> panels = new ArrayList<>(List.of(fitness(first), tasks(first)));
        if (runs.size() > 1) {
            panels.add(comparison(runs));
        }
        return new ChartGrid(panels, 2);
    }

    private static XYChart fitness(RunJournal run) {
        List<GenerationStats> gens = run.generations();
        XYChart chart = ChartPanels.xy(run.name() + " (" + run.config().strategy() + "): fitness per generation",
                "generation", FITNESS_AXIS);
        chart.getStyler().setXAxisDecimalPattern("0");
        // The band is one polygon: along the 90th percentile forwards, back along the 10th.
        List<Double> bandX = new ArrayList<>();
        List<Double> bandY = new ArrayList<>();
        for (GenerationStats g : gens) {
            bandX.add((double) g.generation());
            bandY.add(g.p90());
        }
        for (GenerationStats g : gens.reversed()) {
            bandX.add((double) g.generation());
            bandY.add(g.p10());
        }
        XYSeries band = chart.addSeries("10th-90th percentile", bandX, bandY);
        band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        band.setFillColor(new Color(70, 130, 180, 70));
        band.setLineColor(new Color(70, 130, 180, 0));
        band.setMarker(SeriesMarkers.NONE);
        List<Double> x = gens.stream().map(g -> (double) g.generation()).toList();
        XYSeries mean = chart.addSeries("mean", x, gens.stream().map(GenerationStats::mean).toList());
        mean.setLineColor(new Color(70, 130, 180));
        mean.setMarker(SeriesMarkers.NONE);
        XYSeries best = chart.addSeries("best", x, gens.stream().map(GenerationStats::best).toList());
        best.setLineColor(new Color(200, 60, 40));
        best.setMarkerColor(new Color(200, 60, 40));
        best.setMarker(SeriesMarkers.CIRCLE);
        return chart;
    }

    private static XYChart tasks(RunJournal run) {
        List<GenerationStats> gens = run.generations();
        XYChart chart = ChartPanels.xy(run.name() + ": task scores of each generation's best", "generation",
                "search-split task score (0-1)");
        chart.getStyler().setXAxisDecimalPattern("0");
        List<Double> x = gens.stream().map(g -> (double) g.generation()).toList();
        for (String task : gens.getFirst().bestTaskScores().keySet()) {
            chart.addSeries(task, x, gens.stream().map(g -> g.bestTaskScores().get(task)).toList());
        }
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries("best fitness (no task columns)", x, gens.stream().map(GenerationStats::best).toList());
        }
        return chart;
    }

    private static XYChart comparison(List<RunJournal> runs) {
        XYChart chart = ChartPanels.xy("best so far by evaluations", "evaluations (distinct candidates scored)",
                "best " + FITNESS_AXIS);
        chart.getStyler().setXAxisDecimalPattern("0");
        Set<String> names = new HashSet<>();
        for (RunJournal run : runs) {
            String name = run.name() + " (" + run.config().strategy() + ")";
            while (!names.add(name)) {
                name = name + "'"; // two runs in folders of the same name
            }
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            double bestSoFar = Double.NEGATIVE_INFINITY;
            for (GenerationStats g : run.generations()) {
                bestSoFar = Math.max(bestSoFar, g.best());
                x.add((double) g.evaluations());
                y.add(bestSoFar);
            }
            chart.addSeries(name, x, y).setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }
}
