package dev.amalgam.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** SHA-256 as lowercase hex, of bytes, of a file's content, or of a folder's regular files (names and contents). */
final class ContentHash {
    private ContentHash() {
    }

    static String of(String text) {
        MessageDigest digest = sha256();
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    static String ofFile(Path file) {
        MessageDigest digest = sha256();
        update(digest, file);
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Hash of the sorted regular files directly in {@code dir}: each name, its length and its bytes. */
    static String ofFolder(Path dir) {
        MessageDigest digest = sha256();
        for (Path file : regularFiles(dir)) {
            digest.update((file.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                digest.update((Files.size(file) + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            update(digest, file);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static List<Path> regularFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static void update(MessageDigest digest, Path file) {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }
}
