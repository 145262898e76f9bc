package dev.amalgam.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one rule that ranks a run's candidates. Rank 1 is the exported candidate: {@code best.yaml}, what
 * {@code amalgam export} writes without {@code --rank}, the gene chart and the marked point of the report.
 *
 * <ol>
 *   <li>By search fitness, best first: equal fitness keeps journal order (the candidate evaluated first wins),
 *       {@code NaN} (a failed score) comes last. This picks the top-k that the held-out split re-scores.</li>
 *   <li>For export: the re-scored candidates by held-out fitness (equal: the better search rank first), then every
 *       other candidate in the search order.</li>
 * </ol>
 * Journal order rather than an id comparison breaks ties because ids are labels: {@code g2-c10} sorts before
 * {@code g2-c9} as text.
 */
public final class Ranking {
    private static final Comparator<Candidate> BY_SEARCH = Comparator.comparing((Candidate c) -> Double.isNaN(c.fitness()))
            .thenComparing(Comparator.comparingDouble(Candidate::fitness).reversed());
    private static final Comparator<HeldoutScore> BY_HELDOUT = Comparator.comparing((HeldoutScore h) -> Double.isNaN(h.heldoutFitness()))
            .thenComparing(Comparator.comparingDouble(HeldoutScore::heldoutFitness).reversed())
            .thenComparingInt(HeldoutScore::rank);

    private Ranking() {
    }

    /** {@code journalOrder} (candidates in the order they were evaluated) by search fitness. */
    public static List<Candidate> bySearch(List<Candidate> journalOrder) {
        List<Candidate> ranked = new ArrayList<>(journalOrder);
        ranked.sort(BY_SEARCH); // a stable sort: ties keep journal order
        return List.copyOf(ranked);
    }

    /** The export ranking of {@code journalOrder} given the held-out re-scores (empty if none yet). */
    public static List<Candidate> forExport(List<Candidate> journalOrder, List<HeldoutScore> heldout) {
        Map<String, Candidate> byId = new HashMap<>();
        journalOrder.forEach(c -> byId.put(c.id(), c));
        Map<String, Candidate> ordered = new LinkedHashMap<>(); // by id: first placement wins
        heldout.stream().sorted(BY_HELDOUT).forEach(h -> {
            Candidate c = byId.get(h.candidateId());
            if (c == null) {
                throw new IllegalArgumentException("held-out candidate " + h.candidateId() + " is not among the candidates");
            }
            ordered.putIfAbsent(c.id(), c);
        });
        bySearch(journalOrder).forEach(c -> ordered.putIfAbsent(c.id(), c));
        return List.copyOf(ordered.values());
    }

    /** Rank 1 of {@link #forExport}. */
    public static Candidate exported(List<Candidate> journalOrder, List<HeldoutScore> heldout) {
        if (journalOrder.isEmpty()) {
            throw new IllegalArgumentException("no candidates to rank");
        }
        return forExport(journalOrder, heldout).getFirst();
    }
}
