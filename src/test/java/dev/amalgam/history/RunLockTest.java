package dev.amalgam.history;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The run lock across real processes (a child JVM holds it, then is killed with SIGKILL), and atomic run creation. */
class RunLockTest {
    @TempDir
    Path dir;

    /** The child JVM: locks the folder in args[0], says so, and waits to be killed. */
    public static final class Holder {
        public static void main(String[] args) throws InterruptedException {
            RunLock.acquire(Path.of(args[0]));
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }

    @Test
    void anotherProcessIsNamedAndItsLockDiesWithIt() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Holder.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            BadInputException e = assertThrows(BadInputException.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().contains("pid " + child.pid()), e.getMessage());
        } finally {
            child.destroyForcibly(); // SIGKILL: no chance to release anything
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        try (RunLock lock = RunLock.acquire(dir)) { // the stale file is taken over
            assertEquals(ProcessHandle.current().pid() + "", Files.readString(dir.resolve(RunLock.FILE)).strip());
        }
    }

    @Test
    void aNewRunFolderAppearsWholeAndDeadStagingFoldersGo() throws Exception {
        Path results = Files.createDirectories(dir.resolve("results"));
        Path dead = Files.createDirectories(results.resolve(".run.partial-" + Integer.MAX_VALUE)); // no such process
        Files.writeString(dead.resolve("run.yaml"), "left by a killed creation");
        Path run = results.resolve("run");
        try (SearchJournal journal = SearchJournal.create(run, "seed: 1\n", List.of("w"), List.of("t"))) {
            assertTrue(Files.isRegularFile(run.resolve(RunFiles.RUN)));
            assertTrue(Files.isRegularFile(run.resolve(RunFiles.CANDIDATES)) && Files.isRegularFile(run.resolve(RunFiles.GENERATIONS)));
            try (Stream<Path> s = Files.list(results)) {
                assertEquals(List.of(run), s.toList(), "no staging folder is left, the dead one is gone");
            }
            assertThrows(BadInputException.class, () -> RunLock.acquire(run), "the journal holds the lock");
        }
        RunLock.acquire(run).close();
        BadInputException e = assertThrows(BadInputException.class, () -> SearchJournal.create(run, "seed: 1\n", List.of("w"), List.of("t")));
        assertTrue(e.getMessage().contains("run folder already exists"), e.getMessage());
    }
}
