package dev.amalgam.report;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code timeline.png}: one lane per worker, each candidate a bar from its start to its end (seconds since the run's
 * first start), failed candidates' bars in red, so idle time between bars is visible.
 */
final class TimelineChart {
    private static final double HALF_HEIGHT = 0.35; // a bar's half height in lanes
    private static final Color FAILED = new Color(200, 30, 30);
    private static final Color TRANSPARENT = new Color(0, 0, 0, 0);

    private TimelineChart() {
    }

    static ChartGrid of(String runName, WorkerTimeline timeline) {
        XYChart chart = ChartPanels.xy(runName + ": candidates per worker over time", "seconds since the first candidate started",
                "worker (one lane each, bottom up)");
        List<WorkerTimeline.Lane> lanes = timeline.lanes();
        chart.getStyler().setYAxisMin(-0.6).setYAxisMax(lanes.size() - 0.4);
        chart.getStyler().setXAxisDecimalPattern("0.#");
        // One lane per worker, bottom up in order of first start; the legend names them (XChart's tick labels cannot).
        chart.getStyler().setYAxisTicksVisible(false);
        List<Bar> failed = new ArrayList<>();
        for (int i = 0; i < lanes.size(); i++) {
            int lane = i;
            List<Bar> bars = lanes.get(i).bars().stream().map(b -> new Bar(b, lane)).toList();
            bars.stream().filter(b -> b.bar().failed()).forEach(failed::add);
            polygon(chart, lanes.get(i).worker(), bars);
        }
        if (!failed.isEmpty()) {
            polygon(chart, "failed", failed).setFillColor(FAILED); // drawn over the worker's own bar
        }
        return new ChartGrid(List.of(chart), 1);
    }

    /** A bar on its lane. */
    private record Bar(WorkerTimeline.Bar bar, int lane) {
    }

    /**
     * Bars as one filled polygon: forwards along the bars' upper halves (up, across, down to the lane's centre line at
     * each), then back along their lower halves. The stretches between bars are traced twice in opposite directions
     * and enclose no area, so idle time stays blank.
     */
    private static XYSeries polygon(XYChart chart, String name, List<Bar> bars) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (Bar b : bars) {
            double mid = b.lane();
            x.addAll(List.of(b.bar().from(), b.bar().from(), b.bar().to(), b.bar().to()));
            y.addAll(List.of(mid, mid + HALF_HEIGHT, mid + HALF_HEIGHT, mid));
        }
        for (Bar b : bars.reversed()) {
            double mid = b.lane();
            x.addAll(List.of(b.bar().to(), b.bar().to(), b.bar().from(), b.bar().from()));
            y.addAll(List.of(mid, mid - HALF_HEIGHT, mid - HALF_HEIGHT, mid));
        }
        XYSeries series = chart.addSeries(name, x, y);
        series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        series.setLineColor(TRANSPARENT);
        series.setMarker(SeriesMarkers.NONE);
        return series;
    }
}
