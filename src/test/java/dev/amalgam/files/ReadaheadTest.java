package dev.amalgam.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ReadaheadTest {
    private static final long STEP = 4 * Readahead.STRIDE; // a source's bytes a step: 4 loads

    /** Step s of source q holds bytes of value 10 s + q + 1, so that the loads' sum shows which steps were read. */
    private static List<List<Readahead.Read>> steps(Arena arena, int steps, int sources) {
        List<List<Readahead.Read>> all = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            List<Readahead.Read> step = new ArrayList<>();
            for (int q = 0; q < sources; q++) {
                step.add(new Readahead.Read(q, arena.allocate(STEP).fill((byte) (10 * s + q + 1))));
            }
            all.add(step);
        }
        return all;
    }

    /** The loads' sum over step {@code s} of every source. */
    private static long sum(int s, int sources) {
        long sum = 0;
        for (int q = 0; q < sources; q++) {
            sum += 4 * (10L * s + q + 1);
        }
        return sum;
    }

    private static void await(Readahead ahead, long touched) throws InterruptedException {
        for (int i = 0; i < 1000 && ahead.touched() != touched; i++) {
            Thread.sleep(10);
        }
        Thread.sleep(100); // and no more after it
        assertEquals(touched, ahead.touched());
    }

    @Test
    void readsTheStepsWithinTheWindowPastTheOneInProgressAndSkipsThosePassed() throws Exception {
        try (Arena arena = Arena.ofShared();
             Readahead ahead = new Readahead(steps(arena, 5, 2), 2 * STEP + 1)) { // a step and a byte: two steps start within it
            assertEquals(2 * STEP, ahead.bytes(3));
            await(ahead, sum(0, 2) + sum(1, 2));
            ahead.reached(3); // step 2 passed: the caller read it
            await(ahead, sum(0, 2) + sum(1, 2) + sum(3, 2) + sum(4, 2));
        }
    }

    @Test
    void waitsAtTheWindowUntilClosed() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Readahead ahead = new Readahead(steps(arena, 3, 3), 3 * STEP); // the step in progress only
            await(ahead, sum(0, 3));
            ahead.close(); // wakes and ends its parked threads
            assertEquals(sum(0, 3), ahead.touched());
        }
    }

    @Test
    void aFileCutShortUnderItsMappingEndsTheThreadQuietly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("shard.bin");
        byte[] ones = new byte[(int) (8 * Readahead.STRIDE)];
        Arrays.fill(ones, (byte) 1);
        Files.write(file, ones);
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        AtomicReference<Throwable> uncaught = new AtomicReference<>();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.set(e));
        try (MappedFile mapped = MappedFile.open(file)) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(0); // its pages now fault (SIGBUS, which the JDK throws as an InternalError)
            }
            try (Readahead ahead = new Readahead(List.of(List.of(new Readahead.Read(0, mapped.segment()))), 1L << 30)) {
                Thread.sleep(200); // its thread's first load faults
                assertEquals(0, ahead.touched());
            }
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
        assertNull(uncaught.get(), "the readahead thread died of " + uncaught.get());
    }
}
