package dev.amalgam.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one rule that ranks a run's candidates. Rank 1 is the exported candidate: {@code best.yaml}, what
 * {@code amalgam export} writes without {@code --rank}, the gene chart and the marked point of the report.
 *
 * <p>The search split decides, the held-out split only reports: candidates rank by search fitness, best first;
 * equal fitness keeps journal order (the candidate evaluated first wins), {@code NaN} (a failed score) comes last.
 * The held-out re-score of the top k never reorders them. Choosing the exported candidate by its held-out score would
 * select on the very items that then report it, so the printed held-out figure would be the maximum of k noisy
 * estimates (optimistic, and more so the larger k); chosen on the search split, its held-out score is an unbiased
 * estimate of the exported recipe's quality.
 *
 * <p>A partial estimate ({@code evaluation.fitness} racing or anchors scored the candidate on part of the search
 * split) ranks after every candidate scored on the whole split, by its estimate among the partial ones: it is not
 * comparable with a full-split fitness (an anchor mean is over the most discriminating items, a dropped racer's over
 * its first blocks), and those modes score every generation's elite in full, so the exported candidate is a fully
 * scored one whenever any is.
 *
 * <p>Journal order rather than an id comparison breaks ties because ids are labels: {@code g2-c10} sorts before
 * {@code g2-c9} as text.
 */
public final class Ranking {
    private static final Comparator<Candidate> BY_SEARCH = Comparator.comparing((Candidate c) -> Double.isNaN(c.fitness()))
            .thenComparing(c -> c.cost().partial())
            .thenComparing(Comparator.comparingDouble(Candidate::fitness).reversed());

    private Ranking() {
    }

    /** {@code journalOrder} (candidates in the order they were evaluated), rank 1 first. */
    public static List<Candidate> ranked(List<Candidate> journalOrder) {
        List<Candidate> ranked = new ArrayList<>(journalOrder);
        ranked.sort(BY_SEARCH); // a stable sort: ties keep journal order
        return List.copyOf(ranked);
    }

    /** Rank 1 of {@link #ranked}: the exported candidate. */
    public static Candidate exported(List<Candidate> journalOrder) {
        if (journalOrder.isEmpty()) {
            throw new IllegalArgumentException("no candidates to rank");
        }
        return ranked(journalOrder).getFirst();
    }
}
