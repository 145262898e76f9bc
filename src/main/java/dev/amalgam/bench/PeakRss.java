package dev.amalgam.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Peak anonymous resident memory (Java heap + native allocations, RssAnon in /proc/self/status)
 * while a piece of work runs, sampled every few milliseconds. File-backed pages of memory-mapped
 * inputs are left out: the kernel can drop them at any time, so they are not the merge's footprint.
 * Their minor page faults are counted instead ({@link #minorFaults}): a mapped file whose pages the
 * kernel paged out and read back in 4 KB pages faults about 10x as often as one it holds in large ones.
 */
final class PeakRss implements AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private final long before;
    private final long faultsBefore = faults();
    private final Thread sampler;
    private volatile boolean running = true;

    PeakRss() {
        before = anonymous();
        peak.set(before);
        sampler = Thread.ofPlatform().daemon().start(() -> {
            while (running) {
                peak.accumulateAndGet(anonymous(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Anonymous RSS when sampling started, in bytes. */
    long before() {
        return before;
    }

    /** Highest anonymous RSS seen so far, in bytes. */
    long peak() {
        return peak.get();
    }

    @Override
    public void close() {
        running = false;
        try {
            sampler.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The process's minor page faults since sampling started (0 off Linux). */
    long minorFaults() {
        return faults() - faultsBefore;
    }

    /** minflt of /proc/self/stat: the tenth field, the eighth after the command's closing parenthesis. */
    private static long faults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
        } catch (IOException ignored) {
            return 0; // not Linux
        }
    }

    static long anonymous() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("RssAnon:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException ignored) {
            // not Linux: report 0
        }
        return 0;
    }
}
