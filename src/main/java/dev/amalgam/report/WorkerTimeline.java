package dev.amalgam.report;

import dev.amalgam.history.Candidate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who scored a cluster run's candidates and when, from the journal's worker, started_at and ended_at columns: per
 * worker its candidates in start order, its busy time (the union of its candidates' intervals, so an overlap is not
 * counted twice) and its span (its first start to its last end); utilisation is busy over span, so a worker's own
 * idle time between candidates shows, whenever it joined. Candidates without timings (older journals) are left out.
 *
 * @param start  the run's first start, seconds since the epoch (the timeline's zero)
 * @param lanes  one per worker, in order of first start
 */
record WorkerTimeline(double start, List<Lane> lanes) {
    WorkerTimeline {
        lanes = List.copyOf(lanes);
    }

    /** One candidate's bar, in seconds since {@link #start}. */
    record Bar(String candidate, double from, double to, boolean failed) {
    }

    /** One worker's candidates and figures. */
    record Lane(String worker, List<Bar> bars, double busySeconds, double spanSeconds) {
        Lane {
            bars = List.copyOf(bars);
        }

        long failed() {
            return bars.stream().filter(Bar::failed).count();
        }

        /** Busy over span, 0..1 (1 for a single instantaneous candidate). */
        double utilisation() {
            return spanSeconds > 0 ? busySeconds / spanSeconds : 1;
        }
    }

    /**
     * The timeline of a run that used a cluster: more than one distinct worker, or any worker other than
     * {@link Candidate#LOCAL}; empty for a single-process run or when no candidate has timings.
     */
    static Optional<WorkerTimeline> of(List<Candidate> candidates) {
        boolean cluster = candidates.stream().map(Candidate::worker).distinct().count() > 1
                || candidates.stream().anyMatch(c -> !c.worker().equals(Candidate.LOCAL));
        List<Candidate> timed = candidates.stream()
                .filter(c -> Double.isFinite(c.startedAt()) && Double.isFinite(c.endedAt()) && c.endedAt() >= c.startedAt())
                .sorted(Comparator.comparingDouble(Candidate::startedAt)).toList();
        if (!cluster || timed.isEmpty()) {
            return Optional.empty();
        }
        double start = timed.getFirst().startedAt();
        Map<String, List<Candidate>> byWorker = new LinkedHashMap<>();
        timed.forEach(c -> byWorker.computeIfAbsent(c.worker(), w -> new ArrayList<>()).add(c));
        List<Lane> lanes = new ArrayList<>();
        for (Map.Entry<String, List<Candidate>> e : byWorker.entrySet()) {
            List<Bar> bars = new ArrayList<>();
            double busy = 0;
            double coveredTo = Double.NEGATIVE_INFINITY; // end of the union so far (bars are in start order)
            double last = Double.NEGATIVE_INFINITY;
            for (Candidate c : e.getValue()) {
                bars.add(new Bar(c.id(), c.startedAt() - start, c.endedAt() - start, !c.failure().isEmpty()));
                busy += Math.max(0, c.endedAt() - Math.max(c.startedAt(), coveredTo));
                coveredTo = Math.max(coveredTo, c.endedAt());
                last = Math.max(last, c.endedAt());
            }
            lanes.add(new Lane(e.getKey(), bars, busy, last - e.getValue().getFirst().startedAt()));
        }
        return Optional.of(new WorkerTimeline(start, lanes));
    }

    /** The first start to the last end over all workers. */
    double spanSeconds() {
        return lanes.stream().flatMap(l -> l.bars().stream()).mapToDouble(Bar::to).max().orElse(0);
    }

    /** All workers' busy time over (workers x the run's span): how much of the cluster the run kept busy. */
    double utilisation() {
        double span = spanSeconds();
        return span > 0 ? lanes.stream().mapToDouble(Lane::busySeconds).sum() / (lanes.size() * span) : 1;
    }

    /** Summary lines: the cluster's utilisation, then one per worker. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "  workers: %d, utilisation %.0f%% over %.1f s (busy / (workers x span))",
                lanes.size(), 100 * utilisation(), spanSeconds()));
        for (Lane l : lanes) {
            out.add(String.format(Locale.ROOT, "    %-24s %4d candidates%s, busy %.1f s of %.1f s, utilisation %.0f%%", l.worker(),
                    l.bars().size(), l.failed() > 0 ? " (" + l.failed() + " failed)" : "", l.busySeconds(), l.spanSeconds(),
                    100 * l.utilisation()));
        }
        return out;
    }
}
