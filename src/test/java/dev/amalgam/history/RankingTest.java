package dev.amalgam.history;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RankingTest {
    private static Candidate c(String id, double fitness) {
        return new Candidate(0, id, "k-" + id, new double[]{0.5}, new double[]{fitness}, fitness, 0, 0);
    }

    private static List<String> ids(List<Candidate> candidates) {
        return candidates.stream().map(Candidate::id).toList();
    }

    /** Journal order g0-c9 before g0-c10: equal fitness keeps it (text order of the ids would not); NaN comes last. */
    @Test
    void bySearchBreaksTiesByJournalOrderAndPutsNaNLast() {
        List<Candidate> journal = List.of(c("g0-c8", Double.NaN), c("g0-c9", 0.5), c("g0-c10", 0.5), c("g0-c11", 0.25),
                c("g1-c0", 0.5));
        assertEquals(List.of("g0-c9", "g0-c10", "g1-c0", "g0-c11", "g0-c8"), ids(Ranking.ranked(journal)));
        assertEquals("g0-c9", Ranking.exported(journal).id());
    }

    /** A partial estimate (racing dropped it, or anchors only) ranks after every fully scored candidate, by its estimate. */
    @Test
    void partialEstimatesRankAfterFullScores() {
        Candidate partialHigh = new Candidate(1, "p1", "k-p1", new double[]{0.5}, new double[]{0.95}, 0.95, 0, 0, Candidate.LOCAL,
                Double.NaN, Double.NaN, "", new Candidate.Cost(20, 900, true));
        Candidate partialLow = new Candidate(1, "p2", "k-p2", new double[]{0.5}, new double[]{0.2}, 0.2, 0, 0, Candidate.LOCAL,
                Double.NaN, Double.NaN, "", new Candidate.Cost(20, 900, true));
        List<Candidate> journal = List.of(partialLow, c("a", 0.6), partialHigh, c("b", 0.7), c("f", Double.NaN));
        assertEquals(List.of("b", "a", "p1", "p2", "f"), ids(Ranking.ranked(journal)));
        assertEquals("b", Ranking.exported(journal).id());
    }

    /**
     * The held-out split reports, it does not decide: the ranking has no held-out input, so the best by search fitness
     * is exported (see RunSummaryTest for a journal whose heldout.csv favours another candidate).
     */
    @Test
    void heldoutScoresDoNotReorder() {
        List<Candidate> journal = List.of(c("a", 0.9), c("b", 0.8), c("c", 0.7), c("d", 0.6));
        assertEquals(List.of("a", "b", "c", "d"), ids(Ranking.ranked(journal)));
        assertEquals("a", Ranking.exported(journal).id());
    }
}
