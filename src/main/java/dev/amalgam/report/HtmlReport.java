package dev.amalgam.report;

import dev.amalgam.history.Candidate;
import dev.amalgam.history.HeldoutScore;
import dev.amalgam.history.Ranking;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code report.html}: one self-contained page (images inlined as base64 data URIs, no network) with the summary,
 * the plots, the top candidates, the time spent and the run config.
 */
final class HtmlReport {
    /** Rows in the top-candidate table when the run has no held-out re-scoring yet. */
    static final int TOP_BY_SEARCH = 10;

    private HtmlReport() {
    }

    /** A top-candidate row: the held-out score is absent until the search re-scores its top k. */
    record TopCandidate(int rank, Candidate candidate, Optional<Double> heldoutFitness) {
    }

    /** The held-out rows in rank order if the run has them, else the best {@value #TOP_BY_SEARCH} by search. */
    static List<TopCandidate> topCandidates(ReportedRun run) {
        List<TopCandidate> out = new ArrayList<>();
        if (!run.heldout().isEmpty()) {
            for (HeldoutScore h : run.heldout()) {
                out.add(new TopCandidate(h.rank(), run.candidate(h.candidateId()), Optional.of(h.heldoutFitness())));
            }
            return out;
        }
        List<Candidate> sorted = Ranking.ranked(run.candidates()).stream().filter(c -> !Double.isNaN(c.fitness()))
                .limit(TOP_BY_SEARCH).toList();
        for (int i = 0; i < sorted.size(); i++) {
            out.add(new TopCandidate(i + 1, sorted.get(i), Optional.empty()));
        }
        return out;
    }

    /** The page for {@code run} (the first run), with every run's summary and the PNGs by file name. */
    static String render(ReportedRun run, List<RunSummary> summaries, GeneImportance importance, Optional<WorkerTimeline> timeline,
                         Map<String, byte[]> pngs) {
        StringBuilder html = new StringBuilder(1 << 16);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Amalgam report: ")
                .append(escape(run.name())).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:2em;color:#222}")
                .append("table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px;")
                .append("text-align:right}th{background:#eee}td.id{text-align:left;font-family:monospace}")
                .append(".scroll{overflow-x:auto}img{max-width:100%;border:1px solid #ddd}")
                .append("pre{background:#f6f6f6;padding:1em;overflow-x:auto}\n</style></head><body>\n")
                .append("<h1>Amalgam search report: ").append(escape(run.name())).append("</h1>\n");
        html.append("<h2>Summary</h2>\n<pre id=\"summary\">");
        for (RunSummary summary : summaries) {
            summary.lines().forEach(line -> html.append(escape(line)).append('\n'));
        }
        html.append("</pre>\n<h2>Plots</h2>\n");
        for (Map.Entry<String, byte[]> png : pngs.entrySet()) {
            html.append("<p><img alt=\"").append(escape(png.getKey())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png.getValue())).append("\"></p>\n");
        }
        topTable(html, run);
        importanceTable(html, importance);
        timeTable(html, summaries.getFirst());
        timeline.ifPresent(t -> workerTable(html, t));
        html.append("<h2>Run config (run.yaml)</h2>\n<pre id=\"config\">").append(escape(run.config().yamlText()))
                .append("</pre>\n</body></html>\n");
        return html.toString();
    }

    private static void topTable(StringBuilder html, ReportedRun run) {
        List<TopCandidate> top = topCandidates(run);
        html.append("<h2>Top candidates</h2>\n<p>").append(run.heldout().isEmpty()
                ? "By search fitness (no held-out re-scoring yet)." : "Re-scored on the held-out split, by rank.")
                .append(" Fitness is the weighted task score, 0-1; task columns are search-split scores;")
                .append(" genes are the recipe parameters per model and layer group.</p>\n");
        List<String> genes = run.genes();
        List<String> tasks = run.tasks();
        html.append("<div class=\"scroll\"><table id=\"top-candidates\">\n<tr><th>rank</th><th>candidate</th>")
                .append("<th>search fitness</th><th>held-out fitness</th>");
        tasks.forEach(t -> html.append("<th>search ").append(escape(t)).append("</th>"));
        genes.forEach(g -> html.append("<th>").append(escape(g)).append("</th>"));
        html.append("</tr>\n");
        for (TopCandidate t : top) {
            html.append("<tr><td>").append(t.rank()).append("</td><td class=\"id\">")
                    .append(escape(t.candidate().id())).append("</td><td>").append(number(t.candidate().fitness()))
                    .append("</td><td>").append(t.heldoutFitness().map(HtmlReport::number).orElse("n/a"))
                    .append("</td>");
            for (double score : t.candidate().tasks()) {
                html.append("<td>").append(number(score)).append("</td>");
            }
            for (double gene : t.candidate().genes()) {
                html.append("<td>").append(number(gene)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table></div>\n");
    }

    private static void importanceTable(StringBuilder html, GeneImportance importance) {
        if (!importance.measured()) {
            html.append("<h2>What mattered</h2>\n<p>Not measured: ").append(importance.candidates())
                    .append(" candidates with a fitness (at least ").append(GeneImportance.MIN_CANDIDATES).append(" needed).</p>\n");
            return;
        }
        html.append("<h2>What mattered</h2>\n<p>").append(String.format(Locale.ROOT, "A linear regression of search fitness on the "
                        + "genes over all %d candidates explains %.0f%% of the fitness variance (in sample). Share: each gene's "
                        + "part of it (standardised coefficient times its correlation with fitness); genes the search moved "
                        + "little measure as unimportant.", importance.candidates(), 100 * importance.rSquared()))
                .append(importance.constant().isEmpty() ? "" : " Constant over the run (not measured): "
                        + escape(String.join(", ", importance.constant())) + ".")
                .append("</p>\n<table id=\"gene-importance\">\n<tr><th>gene</th><th>share</th><th>coefficient</th>")
                .append("<th>correlation</th></tr>\n");
        for (GeneImportance.Row r : importance.rows()) {
            html.append("<tr><td class=\"id\">").append(escape(r.gene())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f%%", 100 * r.share())).append("</td><td>").append(number(r.coefficient()))
                    .append("</td><td>").append(number(r.correlation())).append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void timeTable(StringBuilder html, RunSummary s) {
        double busy = s.mergeSeconds() + s.scoreSeconds();
        html.append("<h2>Time spent</h2>\n<table id=\"time\">\n<tr><th></th><th>seconds</th><th>share</th></tr>\n")
                .append(timeRow("merging (sum over evaluations)", s.mergeSeconds(), busy))
                .append(timeRow("scoring (sum over evaluations)", s.scoreSeconds(), busy))
                .append("<tr><td class=\"id\">wall clock</td><td>").append(seconds(s.wallSeconds()))
                .append("</td><td></td></tr>\n</table>\n");
    }

    private static void workerTable(StringBuilder html, WorkerTimeline t) {
        html.append("<h2>Workers</h2>\n<p>").append(String.format(Locale.ROOT, "%d workers scored this run; together they were "
                        + "busy %.0f%% of the time (busy time over workers x the %.1f s from the first start to the last end). "
                        + "A worker's utilisation is its busy time over its own first start to last end (timeline.png).",
                t.lanes().size(), 100 * t.utilisation(), t.spanSeconds()))
                .append("</p>\n<table id=\"workers\">\n<tr><th>worker</th><th>candidates</th><th>failed</th><th>busy seconds</th>")
                .append("<th>span seconds</th><th>utilisation</th></tr>\n");
        for (WorkerTimeline.Lane l : t.lanes()) {
            html.append("<tr><td class=\"id\">").append(escape(l.worker())).append("</td><td>").append(l.bars().size())
                    .append("</td><td>").append(l.failed()).append("</td><td>").append(seconds(l.busySeconds()))
                    .append("</td><td>").append(seconds(l.spanSeconds())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.0f%%", 100 * l.utilisation())).append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static String timeRow(String label, double value, double busy) {
        return "<tr><td class=\"id\">" + label + "</td><td>" + seconds(value) + "</td><td>"
                + (busy > 0 ? String.format(Locale.ROOT, "%.0f%%", 100 * value / busy) : "n/a") + "</td></tr>\n";
    }

    static String number(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    private static String seconds(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
