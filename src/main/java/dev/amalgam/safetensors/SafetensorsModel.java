package dev.amalgam.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amalgam.BadInputException;
import dev.amalgam.files.ConfigNode;
import dev.amalgam.files.IoFailure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The tensors of one model: a single .safetensors (or PyTorch .bin) file, or a folder holding {@code model.safetensors}
 * or shards listed in {@code model.safetensors.index.json}; failing those, as transformers does,
 * {@code pytorch_model.bin} or the shards of {@code pytorch_model.bin.index.json} (read without running their pickles,
 * see {@link dev.amalgam.torchbin.TorchCheckpoint}). All shards are mapped on open (cheap: no data is read until a
 * tensor is used) and unmapped on {@link #close()}.
 */
public final class SafetensorsModel implements AutoCloseable {
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String BIN_INDEX_FILE = "pytorch_model.bin.index.json";
    public static final String BIN_FILE = "pytorch_model.bin";

    private final Path location;
    private final List<WeightFile> files;
    private final Map<String, WeightFile> owner; // tensor name -> shard, in shard/header order

    private SafetensorsModel(Path location, List<WeightFile> files, Map<String, WeightFile> owner) {
        this.location = location;
        this.files = files;
        this.owner = owner;
    }

    public static SafetensorsModel open(Path location) {
        if (!Files.exists(location)) {
            throw new BadInputException(location + ": model folder not found");
        }
        if (Files.isRegularFile(location)) {
            return fromFiles(location, List.of(location), null);
        }
        Path index = location.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return fromIndex(location, index);
        }
        Path single = location.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return fromFiles(location, List.of(single), null);
        }
        List<Path> shards = list(location, name -> name.endsWith(".safetensors"));
        if (!shards.isEmpty()) {
            return fromFiles(location, shards, null);
        }
        Path binIndex = location.resolve(BIN_INDEX_FILE);
        if (Files.isRegularFile(binIndex)) {
            return fromIndex(location, binIndex);
        }
        // Only pytorch_model*.bin: a model folder may hold other .bin files (training_args.bin, optimizer state).
        List<Path> bins = list(location, name -> name.startsWith("pytorch_model") && name.endsWith(".bin"));
        if (bins.isEmpty()) {
            throw new BadInputException(location + ": no .safetensors files (expected " + SINGLE_FILE + " or " + INDEX_FILE
                    + ", or PyTorch's " + BIN_FILE + " or " + BIN_INDEX_FILE + ")");
        }
        return fromFiles(location, bins, null);
    }

    private static List<Path> list(Path folder, java.util.function.Predicate<String> name) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> name.test(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new BadInputException(folder + ": cannot list folder (" + e.getMessage() + ")", e);
        }
    }

    private static SafetensorsModel fromIndex(Path folder, Path index) {
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
        } catch (JacksonException e) {
            throw new BadInputException(index + ": not valid JSON: " + ConfigNode.syntaxProblem(e), e);
        } catch (IOException e) {
            throw new BadInputException(index + ": cannot read (" + IoFailure.cause(index, e) + ")", e);
        }
        if (map == null || !map.isObject()) {
            throw new BadInputException(index + ": missing object field 'weight_map'");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> weightMap.put(e.getKey(), e.getValue().asText()));
        List<Path> shards = new ArrayList<>();
        for (String shard : new TreeMap<>(invert(weightMap)).keySet()) {
            Path p = folder.resolve(shard);
            if (!Files.isRegularFile(p)) {
                throw new BadInputException(index + ": shard '" + shard + "' listed in weight_map is missing");
            }
            shards.add(p);
        }
        return fromFiles(folder, shards, weightMap, index);
    }

    private static Map<String, String> invert(Map<String, String> weightMap) {
        Map<String, String> shards = new LinkedHashMap<>();
        weightMap.forEach((tensor, shard) -> shards.putIfAbsent(shard, tensor));
        return shards;
    }

    private static SafetensorsModel fromFiles(Path location, List<Path> paths, Map<String, String> weightMap) {
        return fromFiles(location, paths, weightMap, null);
    }

    private static SafetensorsModel fromFiles(Path location, List<Path> paths, Map<String, String> weightMap, Path indexFile) {
        List<WeightFile> files = new ArrayList<>();
        try {
            Map<String, WeightFile> owner = new LinkedHashMap<>();
            for (Path p : paths) {
                WeightFile f = WeightFile.open(p);
                files.add(f);
                for (String name : f.tensors().keySet()) {
                    WeightFile prev = owner.putIfAbsent(name, f);
                    if (prev != null) {
                        throw new BadInputException(location + ": tensor '" + name + "' appears in both "
                                + prev.path().getFileName() + " and " + p.getFileName());
                    }
                }
            }
            if (weightMap != null) {
                for (var e : weightMap.entrySet()) {
                    WeightFile f = owner.get(e.getKey());
                    if (f == null || !f.path().getFileName().toString().equals(e.getValue())) {
                        throw new BadInputException(indexFile + ": tensor '" + e.getKey()
                                + "' is listed in shard " + e.getValue() + " but is not in it");
                    }
                }
            }
            return new SafetensorsModel(location, List.copyOf(files), Collections.unmodifiableMap(owner));
        } catch (RuntimeException e) {
            files.forEach(WeightFile::close);
            throw e;
        }
    }

    public Path location() {
        return location;
    }

    /** Tensor names in file order (shard by shard, header order within a shard). */
    public List<String> tensorNames() {
        return List.copyOf(owner.keySet());
    }

    public boolean has(String name) {
        return owner.containsKey(name);
    }

    public TensorInfo info(String name) {
        return file(name).tensors().get(name);
    }

    public TensorSlice slice(String name) {
        return file(name).slice(name);
    }

    /** Total bytes of tensor data. */
    public long totalBytes() {
        long n = 0;
        for (WeightFile f : files) {
            for (TensorInfo t : f.tensors().values()) {
                n += t.byteLength();
            }
        }
        return n;
    }

    private WeightFile file(String name) {
        WeightFile f = owner.get(name);
        if (f == null) {
            throw new BadInputException(location + ": no tensor named '" + name + "'");
        }
        return f;
    }

    @Override
    public void close() {
        files.forEach(WeightFile::close);
    }
}
