package dev.amalgam.merge;

import dev.amalgam.BadInputException;
import dev.amalgam.files.IoFailure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What {@code amalgam merge} may do to an existing OUT_DIR. Checked when the merge is prepared and again just
 * before the finished folder is renamed into place (the folder may have changed in between):
 * <ul>
 * <li>absent or an empty folder: filled;</li>
 * <li>a file, a symbolic link, or a folder that is or holds the working directory, the recipe, an input model
 *     or the tokenizer source: refused, whatever the flags;</li>
 * <li>any other non-empty folder: refused unless {@code overwrite}, and then replaced only when it looks like a
 *     model folder ({@code config.json} with safetensors or PyTorch weights).</li>
 * </ul>
 *
 * @param out       the output folder as given
 * @param overwrite the user passed {@code --overwrite}
 * @param protect   paths that must survive, each with how to name it in a message ("the recipe", ...)
 */
record OutDirGuard(Path out, boolean overwrite, Map<Path, String> protect) {
    OutDirGuard {
        protect = Collections.unmodifiableMap(new LinkedHashMap<>(protect)); // in order: the first match is named
    }

    /**
     * Protects the working directory, the recipe, every input model and the tokenizer source.
     *
     * @param tokenizerFrom the folder the tokenizer files are copied from, null when none are
     */
    static OutDirGuard of(Path out, boolean overwrite, Path recipe, List<Path> models, Path tokenizerFrom) {
        Map<Path, String> protect = new LinkedHashMap<>();
        protect.put(Path.of("").toAbsolutePath(), "the working directory");
        protect.put(recipe, "the recipe " + recipe);
        for (Path model : models) {
            protect.putIfAbsent(model, "the input model " + model);
        }
        if (tokenizerFrom != null) {
            protect.putIfAbsent(tokenizerFrom, "the tokenizer source " + tokenizerFrom);
        }
        return new OutDirGuard(out, overwrite, protect);
    }

    /** Throws when {@code existing} (the OUT_DIR) must not be replaced; nothing to check when it is absent. */
    void check(Path existing) {
        if (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isSymbolicLink(existing)) {
            throw refuse("is a symbolic link; give the folder it points to, or another OUT_DIR");
        }
        if (!Files.isDirectory(existing)) {
            throw refuse("is a file; merge writes a model folder and never replaces a file (choose another OUT_DIR)");
        }
        Path real = realPath(existing);
        for (Map.Entry<Path, String> p : protect.entrySet()) {
            if (Files.exists(p.getKey()) && realPath(p.getKey()).startsWith(real)) {
                String what = realPath(p.getKey()).equals(real) ? " is " : " holds ";
                throw refuse(what.strip() + " " + p.getValue() + " and is never replaced, even with --overwrite; choose another OUT_DIR");
            }
        }
        if (isEmpty(existing)) {
            return;
        }
        if (!overwrite) {
            throw refuse("exists and is not empty; pass --overwrite to replace it (only a model folder is replaced)");
        }
        if (!looksLikeModelFolder(existing)) {
            throw refuse("does not look like a model folder (config.json with *.safetensors or pytorch_model*.bin); "
                    + "--overwrite replaces only model folders");
        }
    }

    void check() {
        check(out.toAbsolutePath().normalize());
    }

    private BadInputException refuse(String why) {
        return new BadInputException("OUT_DIR " + out + " " + why);
    }

    static boolean looksLikeModelFolder(Path dir) {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).anyMatch(n -> n.endsWith(".safetensors")
                    || n.equals("model.safetensors.index.json") || n.startsWith("pytorch_model") && n.endsWith(".bin"));
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot list", dir, e), e);
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot list", dir, e), e);
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot resolve", p, e), e);
        }
    }
}
