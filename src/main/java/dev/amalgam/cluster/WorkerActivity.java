package dev.amalgam.cluster;

import dev.amalgam.evolve.run.CandidateScore;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The workers' busy time between two looks (the generation line): utilisation is the candidates' scoring time (from
 * their start and end) over the workers that scored x the wall time since the last look.
 */
final class WorkerActivity {
    private final Set<String> workers = new HashSet<>();
    private double busySeconds;
    private double since = CandidateScore.now();

    synchronized void scored(CandidateScore s) {
        workers.add(s.worker());
        busySeconds += Math.max(0, s.endedAt() - s.startedAt());
    }

    /** {@code workers N, utilisation P%} since the last call; then starts a new interval. */
    synchronized String summary() {
        double now = CandidateScore.now();
        double wall = now - since;
        String line = workers.isEmpty() ? "workers 0"
                : String.format(Locale.ROOT, "workers %d, utilisation %.0f%%", workers.size(),
                Math.min(100, 100 * busySeconds / (workers.size() * Math.max(wall, 1e-9))));
        workers.clear();
        busySeconds = 0;
        since = now;
        return line;
    }
}
