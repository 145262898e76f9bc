package dev.amalgam.report;

import dev.amalgam.history.Candidate;
import dev.amalgam.history.HeldoutScore;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The headline numbers of one run, computed from its journal: complete generations, evaluations, best search and
 * held-out fitness, improvement over the best parent (when {@code run.yaml} lists parent scores), time spent and
 * the scoring cost: forward-pass tokens in all and per candidate, and how many candidates have a partial estimate
 * ({@code evaluation.fitness} racing or anchors).
 */
record RunSummary(String run, String strategy, int generations, int evaluations, long evaluationsInGenerations,
                  Candidate bestSearch, Optional<HeldoutScore> bestHeldout, Optional<RunConfig.ParentScore> bestParent,
                  double mergeSeconds, double scoreSeconds, double wallSeconds, long tokens, double items, int partial) {

    static RunSummary of(ReportedRun run) {
        Table candidates = run.journal().candidateTable();
        return new RunSummary(run.name(), run.config().strategy(), run.generations().size(), candidates.rowCount(),
                run.generations().getLast().evaluations(), run.bestBySearch(), run.bestByHeldout(),
                run.config().bestParent(), candidates.doubleColumn("merge_seconds").sum(),
                candidates.doubleColumn("score_seconds").sum(), run.generations().getLast().elapsedSeconds(),
                (long) candidates.longColumn("tokens_scored").sum(), candidates.intColumn("items_scored").mean(),
                (int) candidates.booleanColumn("partial").countTrue());
    }

    /** Best search fitness minus the best parent's, if the parents were scored. */
    OptionalDouble searchImprovement() {
        return bestParent.map(p -> OptionalDouble.of(bestSearch.fitness() - p.fitness())).orElse(OptionalDouble.empty());
    }

    /** The exported candidate's held-out fitness minus the best parent's, if both exist. */
    OptionalDouble heldoutImprovement() {
        if (bestHeldout.isEmpty() || bestParent.isEmpty() || bestParent.get().heldoutFitness().isEmpty()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(bestHeldout.get().heldoutFitness() - bestParent.get().heldoutFitness().getAsDouble());
    }

    /** The summary as a few lines of plain text, numbers with 4 decimals. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        String pending = evaluations > evaluationsInGenerations
                ? " (" + evaluationsInGenerations + " in complete generations)" : "";
        out.add(String.format(Locale.ROOT, "%s (%s): %d generations complete, %d evaluations%s", run, strategy,
                generations, evaluations, pending));
        out.add(String.format(Locale.ROOT, "  best search fitness %.4f (%s, exported), its held-out fitness %s", bestSearch.fitness(),
                bestSearch.id(), bestHeldout.map(h -> String.format(Locale.ROOT, "%.4f (%s)", h.heldoutFitness(),
                        h.candidateId())).orElse("n/a (not re-scored yet)")));
        out.add("  improvement over best parent: " + bestParent.map(p -> String.format(Locale.ROOT,
                "%s search (parent %s: %.4f), %s held-out", signed(searchImprovement()), p.model(), p.fitness(),
                signed(heldoutImprovement()))).orElse("n/a (run.yaml has no parent scores)"));
        out.add(String.format(Locale.ROOT, "  time: %.1f s merging + %.1f s scoring (sums over evaluations), %.1f s wall clock",
                mergeSeconds, scoreSeconds, wallSeconds));
        out.add(tokens == 0 ? "  tokens scored: n/a (the journal predates the tokens_scored column)"
                : String.format(Locale.ROOT, "  tokens scored: %d in all, %.0f per candidate (%.1f items per candidate; %d of %d partial)",
                tokens, (double) tokens / evaluations, items, partial, evaluations));
        return out;
    }

    private static String signed(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%+.4f", value.getAsDouble()) : "n/a";
    }
}
