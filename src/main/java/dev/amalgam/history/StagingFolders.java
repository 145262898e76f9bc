package dev.amalgam.history;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The hidden {@code .NAME.partial-PID} folders a new run folder is built in. */
final class StagingFolders {
    private static final Pattern PID = Pattern.compile("\\.partial-(\\d+)$");

    private StagingFolders() {
    }

    /** Removes the staging folders for {@code dir} whose process is gone (a creation killed before its rename). */
    static void removeDead(Path dir) throws IOException {
        String prefix = "." + dir.getFileName() + ".partial-";
        try (Stream<Path> siblings = Files.list(dir.getParent())) {
            for (Path p : siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                Matcher m = PID.matcher(p.getFileName().toString());
                if (m.find() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    removeQuietly(p);
                }
            }
        }
    }

    /** Deletes a staging folder and what is in it; one that cannot be deleted stays for the next run to remove. */
    static void removeQuietly(Path staged) {
        if (!Files.exists(staged)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(staged)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // left for the next creation of the same run name
        }
    }
}
