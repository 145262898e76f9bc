package dev.amalgam;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A small tmpfs mounted over a test folder, to make real "no space left" and "read-only file system" failures. Needs
 * root and a mount command (CI containers run as root); elsewhere the test that asks is skipped.
 */
public final class ScratchMount implements AutoCloseable {
    private final Path dir;

    private ScratchMount(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs with {@code options} (e.g. {@code size=16k} or {@code ro}) over the existing folder {@code dir}. */
    public static ScratchMount tmpfs(Path dir, String options) throws IOException, InterruptedException {
        assumeTrue(run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString()), "cannot mount a tmpfs here (not root?)");
        return new ScratchMount(dir);
    }

    private static boolean run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (!run("umount", dir.toString())) {
            throw new IOException("cannot unmount " + dir);
        }
    }
}
