package dev.amalgam.torchbin;

import dev.amalgam.BadInputException;
import dev.amalgam.files.MappedFile;
import dev.amalgam.torchbin.PickleValue.Storage;
import dev.amalgam.torchbin.PickleValue.TensorRef;
import dev.amalgam.torchbin.PickleValue.Tuple;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code torch.save}d state dict, memory-mapped: the pickle is read with {@link PickleMachine} (no code runs) and each
 * tensor becomes a byte range of the file, read only when used. Both container formats: zip (torch >= 1.6:
 * {@code NAME/data.pkl} plus one stored entry per storage, {@code NAME/data/KEY}) and legacy (a magic number, protocol
 * and system-info pickles, the state dict pickle, a pickle listing the storage keys, then each storage as an int64
 * element count followed by its bytes). Storage offsets, legacy storage views and storages shared by several tensors
 * are honoured. Everything sliced from the mapping is invalid once this is closed.
 */
public final class TorchCheckpoint implements AutoCloseable {
    /** torch's legacy magic number (the first pickle of a legacy file). */
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;
    /** Storage class to dtype (safetensors spelling) and element size. */
    private static final Map<String, String> DTYPES = Map.of("DoubleStorage", "F64", "FloatStorage", "F32",
            "HalfStorage", "F16", "BFloat16Storage", "BF16", "LongStorage", "I64", "IntStorage", "I32",
            "ShortStorage", "I16", "CharStorage", "I8", "ByteStorage", "U8", "BoolStorage", "BOOL");
    private static final Map<String, Integer> ELEMENT_BYTES = Map.of("F64", 8, "F32", 4, "F16", 2, "BF16", 2,
            "I64", 8, "I32", 4, "I16", 2, "I8", 1, "U8", 1, "BOOL", 1);

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final Map<String, TorchTensor> tensors;

    private TorchCheckpoint(Path path, Arena arena, MemorySegment mapping, Map<String, TorchTensor> tensors) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.tensors = tensors;
    }

    /** A storage's bytes in the file. */
    private record StorageBytes(String dtype, long offset, long byteLength) {
    }

    public static TorchCheckpoint open(Path path) {
        MappedFile file = MappedFile.open(path);
        return file.read(map -> new TorchCheckpoint(path, file.arena(), map,
                ZipDirectory.isZip(map) ? readZip(path, map) : readLegacy(path, map)));
    }

    private static Map<String, TorchTensor> readZip(Path path, MemorySegment map) {
        Map<String, ZipDirectory.Entry> entries = ZipDirectory.read(path, map);
        ZipDirectory.Entry pickle = entries.values().stream().filter(e -> e.name().endsWith("/data.pkl")).findFirst()
                .orElseThrow(() -> new BadInputException(path + ": zip archive without a data.pkl entry; not a torch.save checkpoint"));
        String prefix = pickle.name().substring(0, pickle.name().length() - "data.pkl".length());
        Map<String, StorageBytes> storages = new HashMap<>();
        PickleMachine.PersistentLoad load = pid -> {
            Storage s = storage(path, pid, 5, null);
            ZipDirectory.Entry entry = entries.get(prefix + "data/" + s.key());
            if (entry == null) {
                throw new BadInputException(path + ": storage '" + s.key() + "' has no entry " + prefix + "data/" + s.key());
            }
            storages.put(s.key(), new StorageBytes(DTYPES.get(s.storageClass()), entry.offset(), entry.size()));
            return s;
        };
        Object stateDict = PickleMachine.read(path, map.asSlice(pickle.offset(), pickle.size()), 0, load).value();
        return tensors(path, stateDict, storages);
    }

    private static Map<String, TorchTensor> readLegacy(Path path, MemorySegment map) {
        PickleMachine.PersistentLoad none = pid -> {
            throw new BadInputException(path + ": unexpected persistent id in a legacy header pickle");
        };
        PickleMachine.Result magic;
        try {
            magic = PickleMachine.read(path, map, 0, none);
        } catch (BadInputException e) {
            throw new BadInputException(path + ": neither a zip archive nor a legacy torch checkpoint (" + e.getMessage() + ")", e);
        }
        if (!(magic.value() instanceof BigInteger m) || !m.equals(LEGACY_MAGIC)) {
            throw new BadInputException(path + ": not a torch checkpoint (no zip header, and the legacy magic number is "
                    + magic.value() + ")");
        }
        PickleMachine.Result protocol = PickleMachine.read(path, map, magic.end(), none);
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol.value())) {
            throw new BadInputException(path + ": legacy torch protocol " + protocol.value() + ", expected " + LEGACY_PROTOCOL);
        }
        PickleMachine.Result sysInfo = PickleMachine.read(path, map, protocol.end(), none);
        if (sysInfo.value() instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            throw new BadInputException(path + ": written on a big-endian machine, which is not supported");
        }
        Map<String, String> classes = new HashMap<>(); // root storage key -> dtype
        PickleMachine.PersistentLoad load = pid -> {
            Storage s = storage(path, pid, 6, pid.items().get(5));
            classes.put(s.key(), DTYPES.get(s.storageClass()));
            return s;
        };
        PickleMachine.Result stateDict = PickleMachine.read(path, map, sysInfo.end(), load);
        PickleMachine.Result keys = PickleMachine.read(path, map, stateDict.end(), none);
        if (!(keys.value() instanceof List<?> keyList)) {
            throw new BadInputException(path + ": legacy storage key list missing after the state dict");
        }
        Map<String, StorageBytes> storages = new HashMap<>();
        long at = keys.end();
        for (Object key : keyList) {
            String dtype = classes.get(String.valueOf(key));
            if (dtype == null || at + 8 > map.byteSize()) {
                throw new BadInputException(path + ": legacy storage '" + key + "' is not referenced by any tensor or lies past the end of the file");
            }
            long count = map.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at);
            long bytes = count * ELEMENT_BYTES.get(dtype);
            if (count < 0 || at + 8 + bytes > map.byteSize()) {
                throw new BadInputException(path + ": legacy storage '" + key + "' (" + count + " elements) runs past the end of the file; the file is truncated");
            }
            storages.put(String.valueOf(key), new StorageBytes(dtype, at + 8, bytes));
            at += 8 + bytes;
        }
        return tensors(path, stateDict.value(), storages);
    }

    /**
     * Checks a persistent id {@code ('storage', storage class, key, location, numel[, view])}. A legacy view
     * {@code (view key, element offset, size)} becomes an offset into its root storage.
     */
    private static Storage storage(Path path, Tuple pid, int length, Object view) {
        List<Object> id = pid.items();
        if (id.size() != length || !"storage".equals(id.get(0)) || !(id.get(1) instanceof PickleValue.Global cls)
                || !PickleMachine.STORAGE_CLASSES.contains(cls.name()) || !(id.get(2) instanceof String key)) {
            throw new BadInputException(path + ": persistent id " + id + " is not a torch storage reference");
        }
        long viewOffset = 0;
        if (view instanceof Tuple(List<Object> v) && v.size() == 3 && v.get(1) instanceof Long offset) {
            viewOffset = offset;
        } else if (view != null) {
            throw new BadInputException(path + ": storage view " + view + " is not (key, offset, size)");
        }
        return new Storage(key, cls.name(), viewOffset);
    }

    private static Map<String, TorchTensor> tensors(Path path, Object stateDict, Map<String, StorageBytes> storages) {
        if (!(stateDict instanceof Map<?, ?> dict)) {
            throw new BadInputException(path + ": the checkpoint holds " + (stateDict == null ? "None" : stateDict.getClass().getSimpleName())
                    + ", not a state dict (a mapping of tensor names to tensors)");
        }
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        for (var e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TensorRef t)) {
                throw new BadInputException(path + ": state dict entry '" + e.getKey() + "' is not a tensor");
            }
            StorageBytes s = storages.get(t.storage().key());
            long elementBytes = ELEMENT_BYTES.get(s.dtype());
            long[] shape = t.shape();
            long numel = 1;
            long expectedStride = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                // Row-major strides; a dimension of size 1 may carry any stride (torch leaves them arbitrary).
                if (shape[d] != 1 && t.stride()[d] != expectedStride) {
                    throw new BadInputException(path + ": tensor '" + name + "' is a non-contiguous view (shape "
                            + java.util.Arrays.toString(shape) + ", stride " + java.util.Arrays.toString(t.stride())
                            + "); save it with .contiguous() or convert the checkpoint to safetensors");
                }
                expectedStride = Math.multiplyExact(expectedStride, shape[d]);
                numel = Math.multiplyExact(numel, shape[d]);
            }
            if (shape.length != t.stride().length) {
                throw new BadInputException(path + ": tensor '" + name + "' has " + shape.length + " sizes but " + t.stride().length + " strides");
            }
            long begin = (t.storage().viewOffset() + t.offset()) * elementBytes;
            long length = numel * elementBytes;
            if (begin + length > s.byteLength()) {
                throw new BadInputException(path + ": tensor '" + name + "' (" + numel + " elements at element offset "
                        + (begin / elementBytes) + ") lies outside its storage of " + s.byteLength() / elementBytes + " elements");
            }
            out.put(name, new TorchTensor(name, s.dtype(), shape, s.offset() + begin, length));
        }
        return Collections.unmodifiableMap(out);
    }

    public Path path() {
        return path;
    }

    /** Tensors in state dict order. */
    public Map<String, TorchTensor> tensors() {
        return tensors;
    }

    /** The file's size when it was mapped (a reader checks it still has it: see {@code TensorSlice}). */
    public long fileSize() {
        return mapping.byteSize();
    }

    /** The tensor's bytes: a slice of the mapping, valid until {@link #close()}. */
    public MemorySegment bytes(TorchTensor tensor) {
        return mapping.asSlice(tensor.offset(), tensor.byteLength());
    }

    @Override
    public void close() {
        arena.close();
    }
}
