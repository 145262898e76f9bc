package dev.amalgam.report;

import dev.amalgam.BadInputException;
import dev.amalgam.history.Candidate;
import dev.amalgam.history.GenerationStats;
import dev.amalgam.history.HeldoutScore;
import dev.amalgam.history.Journal;
import dev.amalgam.history.ParetoPoint;
import dev.amalgam.history.Ranking;
import dev.amalgam.history.RunFiles;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One search folder {@code results/<run>/} as a report sees it: its journal (read by {@code history}, also of a
 * running or killed search) with at least one complete generation, and the parts of {@code run.yaml} the report
 * shows.
 */
record ReportedRun(Journal journal, RunConfig config) {
    /** Reads the run in {@code dir}; bad or missing files throw {@link BadInputException} naming file and line. */
    static ReportedRun read(Path dir) {
        Journal journal = Journal.read(dir);
        RunConfig config = RunConfig.read(dir.resolve(RunFiles.RUN));
        if (journal.generations().isEmpty()) {
            throw new BadInputException(dir.resolve(RunFiles.GENERATIONS) + " line 2: no complete generation yet (only the header)");
        }
        return new ReportedRun(journal, config);
    }

    Path dir() {
        return journal.dir();
    }

    String name() {
        return dir().toAbsolutePath().normalize().getFileName().toString();
    }

    List<GenerationStats> generations() {
        return journal.generations();
    }

    List<Candidate> candidates() {
        return journal.candidates();
    }

    List<HeldoutScore> heldout() {
        return journal.heldout();
    }

    List<ParetoPoint> pareto() {
        return journal.pareto();
    }

    /** Gene names, in genome order (index into {@link Candidate#genes()}). */
    List<String> genes() {
        return journal.genes();
    }

    /** Task names, in config order (index into the task score arrays). */
    List<String> tasks() {
        return journal.tasks();
    }

    Candidate candidate(String id) {
        return journal.candidate(id).orElseThrow(() -> new IllegalArgumentException("no candidate " + id));
    }

    /** The candidate with the highest search fitness ({@link Ranking#ranked}; a NaN fitness never wins). */
    Candidate bestBySearch() {
        List<Candidate> ranked = Ranking.ranked(candidates());
        if (ranked.isEmpty() || Double.isNaN(ranked.getFirst().fitness())) {
            throw new BadInputException(dir().resolve(RunFiles.CANDIDATES) + ": no candidate with a fitness yet");
        }
        return ranked.getFirst();
    }

    /** The held-out row of the exported candidate, once the search re-scored its top candidates. */
    Optional<HeldoutScore> bestByHeldout() {
        if (heldout().isEmpty()) {
            return Optional.empty();
        }
        String exported = exported().id();
        return heldout().stream().filter(h -> h.candidateId().equals(exported) && !Double.isNaN(h.heldoutFitness())).findFirst();
    }

    /** The candidate the search exports as {@code best.yaml} ({@link Ranking}). */
    Candidate exported() {
        return journal.exported();
    }
}
