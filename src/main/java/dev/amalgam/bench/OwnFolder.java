package dev.amalgam.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The folder a benchmark or a check writes its models, recipes and merges into, and may clear or rerun in: one that
 * holds anything else is a folder of the user's, named by mistake, and is refused before anything is written.
 */
final class OwnFolder {
    private OwnFolder() {
    }

    /**
     * Refuses {@code dir} (a missing one is fine) when it holds an entry whose name is not in {@code own}; {@code who}
     * names the writer and {@code option} how to name another folder, in the error.
     */
    static void check(Path dir, Set<String> own, String who, String option) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            List<String> other = entries.map(p -> p.getFileName().toString()).filter(n -> !own.contains(n)).sorted().toList();
            if (!other.isEmpty()) {
                throw new IllegalArgumentException(dir + " holds " + other + ", which " + who + " does not write; name another " + option);
            }
        }
    }

    /** Refuses to go on where {@code file} exists with other content than {@code text} (the same: a rerun). */
    static void mayWrite(Path file, String text) throws IOException {
        if (Files.exists(file) && !Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
            throw new IllegalArgumentException(file + " exists with other content; it is not replaced: remove it or name another folder");
        }
    }

    /** Writes {@code text} to {@code file}, which may already hold exactly that, but nothing else ({@link #mayWrite}). */
    static void write(Path file, String text) throws IOException {
        mayWrite(file, text);
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
