package dev.amalgam.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.files.AtomicFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code manifest.json}, written last into a finished zoo folder: the recipe hash it was built from and every
 * other file's size and SHA-256 (paths relative to the folder, with {@code /}). A folder whose files differ in
 * any way (missing, extra, resized or edited) does not {@link #matches} its manifest.
 */
record ZooManifest(String recipeHash, Map<String, FileEntry> files) {
    static final String FILE = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    record FileEntry(long size, String sha256) {
    }

    ZooManifest {
        files = Collections.unmodifiableMap(new TreeMap<>(files));
    }

    /** The manifest of what is in {@code root} now (every regular file below it except the manifest). */
    static ZooManifest describe(Path root, String recipeHash) {
        Map<String, FileEntry> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                String relative = root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (!relative.equals(FILE)) {
                    files.put(relative, new FileEntry(Files.size(file), ContentHash.ofFile(file)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root, e);
        }
        return new ZooManifest(recipeHash, files);
    }

    void write(Path root, JsonNode recipe) {
        ObjectNode node = JSON.createObjectNode();
        node.put("recipe_hash", recipeHash);
        node.set("recipe", recipe);
        ObjectNode list = node.putObject("files");
        files.forEach((path, entry) -> list.putObject(path).put("size", entry.size()).put("sha256", entry.sha256()));
        try {
            AtomicFile.writeString(root.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + root.resolve(FILE), e);
        }
    }

    /** The manifest in {@code root}, or empty when there is none or it is not a valid manifest. */
    static Optional<ZooManifest> read(Path root) {
        Path file = root.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            Map<String, FileEntry> files = new TreeMap<>();
            node.path("files").properties().forEach(e -> files.put(e.getKey(),
                    new FileEntry(e.getValue().path("size").asLong(-1), e.getValue().path("sha256").asText(""))));
            String hash = node.path("recipe_hash").asText("");
            return hash.isEmpty() || files.isEmpty() ? Optional.empty() : Optional.of(new ZooManifest(hash, files));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** What differs between this manifest and {@code actual} (a folder's {@link #describe}); empty when they match. */
    List<String> differences(ZooManifest actual) {
        List<String> out = new ArrayList<>();
        if (!recipeHash.equals(actual.recipeHash)) {
            out.add("built from another recipe");
        }
        files.forEach((path, entry) -> {
            FileEntry found = actual.files.get(path);
            if (found == null) {
                out.add(path + " is missing");
            } else if (found.size() != entry.size()) {
                out.add(path + " has " + found.size() + " bytes, expected " + entry.size());
            } else if (!found.sha256().equals(entry.sha256())) {
                out.add(path + " was modified (SHA-256 differs)");
            }
        });
        actual.files.keySet().stream().filter(p -> !files.containsKey(p)).forEach(p -> out.add(p + " is not in the manifest"));
        return out;
    }
}
