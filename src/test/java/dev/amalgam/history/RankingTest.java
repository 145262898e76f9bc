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
        assertEquals(List.of("g0-c9", "g0-c10", "g1-c0", "g0-c11", "g0-c8"), ids(Ranking.bySearch(journal)));
        assertEquals("g0-c9", Ranking.exported(journal, List.of()).id());
    }

    /** Re-scored candidates come first by held-out fitness (equal: better search rank), then the rest by search. */
    @Test
    void forExportPutsTheHeldoutRanksFirst() {
        List<Candidate> journal = List.of(c("a", 0.9), c("b", 0.8), c("c", 0.7), c("d", 0.6));
        List<HeldoutScore> heldout = List.of(new HeldoutScore(1, "a", 0.9, 0.60, new double[]{0.6}),
                new HeldoutScore(2, "b", 0.8, 0.65, new double[]{0.65}), new HeldoutScore(3, "c", 0.7, 0.65, new double[]{0.65}));
        assertEquals(List.of("b", "c", "a", "d"), ids(Ranking.forExport(journal, heldout)));
        assertEquals("b", Ranking.exported(journal, heldout).id());
    }
}
