package dev.amalgam.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Linux resident-set figures from /proc/self: current RSS, and the peak since the last reset. */
final class PeakRss {
    private PeakRss() {
    }

    /** Resets the peak (writing 5 to clear_refs) and returns the current RSS in bytes. */
    static long resetAndCurrent() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException ignored) {
            // not permitted: the peak then covers the whole process, an overestimate
        }
        return field("VmRSS:");
    }

    static long peak() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException ignored) {
            // not Linux: report 0
        }
        return 0;
    }
}
