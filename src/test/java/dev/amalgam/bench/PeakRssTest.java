package dev.amalgam.bench;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PeakRssTest {
    /**
     * Touching 64 MB of fresh native memory faults its pages in: a minor fault each (a few with huge pages), where a
     * misread field of /proc/self/stat (one that does not count) would show none; and the anonymous RSS holds them.
     */
    @Test
    void touchedPagesCountAsMinorFaultsAndResidentMemory() {
        long bytes = 64L << 20;
        try (PeakRss rss = new PeakRss(); Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(bytes, 4096); // zeroed by the JDK: every page written once
            for (long at = 0; at < bytes; at += 4096) {
                memory.set(ValueLayout.JAVA_BYTE, at, (byte) 1);
            }
            assertTrue(rss.minorFaults() > 0, "minor faults: " + rss.minorFaults());
            long grown = PeakRss.anonymous() - rss.before();
            assertTrue(grown > bytes / 2, "anonymous RSS grew by " + grown);
        }
    }
}
