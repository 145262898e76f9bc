package dev.amalgam.report;

import dev.amalgam.history.Candidate;
import org.knowm.xchart.CategoryChart;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code genes.png}: the exported candidate's gene values as grouped bars, one panel per parameter (and tensor
 * filter), layer groups along x and one bar colour per model, so a user sees e.g. "model B dominates the last
 * layers". The y range is the genes' search bounds from {@code run.yaml} when it lists them.
 */
final class GeneChart {
    /** Layer groups in layer order: g2 before g10. */
    static final Comparator<String> LAYER_ORDER = Comparator.comparing((String g) -> g.replaceAll("\\d+$", ""))
            .thenComparingLong(g -> g.matches(".*\\d$") ? Long.parseLong(g.replaceAll("^.*?(\\d+)$", "$1")) : -1)
            .thenComparing(Comparator.naturalOrder());

    private GeneChart() {
    }

    static ChartGrid of(ReportedRun run) {
        Candidate best = run.exported();
        // panel -> model -> layer group -> value
        Map<String, Map<String, Map<String, Double>>> panels = new LinkedHashMap<>();
        Map<String, double[]> bounds = new LinkedHashMap<>(); // panel -> {min, max} of its genes' search bounds
        Map<String, RunConfig.GeneBounds> boundsByGene = new HashMap<>();
        run.config().genes().forEach(b -> boundsByGene.put(b.name(), b));
        double[] values = best.genes();
        for (int i = 0; i < values.length; i++) {
            GeneName name = GeneName.parse(run.genes().get(i));
            panels.computeIfAbsent(name.panel(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(name.model(), k -> new LinkedHashMap<>()).put(name.group(), values[i]);
            RunConfig.GeneBounds b = boundsByGene.get(run.genes().get(i));
            if (b != null) {
                bounds.merge(name.panel(), new double[]{b.min(), b.max()},
                        (x, y) -> new double[]{Math.min(x[0], y[0]), Math.max(x[1], y[1])});
            }
        }
        // One colour per model across panels, in the order models first appear among the genes.
        List<String> models = run.genes().stream().map(g -> GeneName.parse(g).model()).distinct().toList();
        List<CategoryChart> charts = new ArrayList<>();
        for (Map.Entry<String, Map<String, Map<String, Double>>> panel : panels.entrySet()) {
            charts.add(panel(run, best, panel.getKey(), panel.getValue(), bounds.get(panel.getKey()), models));
        }
        return new ChartGrid(charts, 2);
    }

    private static CategoryChart panel(ReportedRun run, Candidate best, String parameter,
                                       Map<String, Map<String, Double>> byModel, double[] bounds,
                                       List<String> models) {
        CategoryChart chart = ChartPanels.bars(run.name() + ": " + parameter + " of exported " + best.id()
                + " per layer group", "layer group", parameter + " (gene value, unitless)");
        TreeSet<String> groups = new TreeSet<>(LAYER_ORDER);
        byModel.values().forEach(values -> groups.addAll(values.keySet()));
        List<String> x = List.copyOf(groups);
        for (Map.Entry<String, Map<String, Double>> model : byModel.entrySet()) {
            // A model without a gene in some group gets no bar there (XChart skips null values).
            List<Double> y = x.stream().map(g -> model.getValue().get(g)).toList();
            Color[] palette = chart.getStyler().getSeriesColors();
            chart.addSeries("model " + model.getKey(), x, y)
                    .setFillColor(palette[models.indexOf(model.getKey()) % palette.length]);
        }
        if (bounds != null) {
            // A little headroom above the upper bound: XChart drops its intermediate ticks when the tallest bar
            // sits exactly on the axis maximum.
            double low = Math.min(0, bounds[0]);
            chart.getStyler().setYAxisMin(low);
            chart.getStyler().setYAxisMax(bounds[1] + 0.02 * (bounds[1] - low));
        }
        return chart;
    }
}
