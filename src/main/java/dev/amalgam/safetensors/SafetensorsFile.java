package dev.amalgam.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.BadInputException;
import dev.amalgam.files.ConfigNode;
import dev.amalgam.files.MappedFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One memory-mapped .safetensors file. The header is validated on open; tensors are handed out as
 * slices of the mapping (no copy; {@link TensorSlice} reads them safely). Mapping through the FFM API
 * lifts the 2 GiB limit of {@code MappedByteBuffer}. Everything sliced from this file is invalid once
 * it is closed. The format's header is read here, and laid out here for {@link SafetensorsWriter} ({@link #header}).
 */
public final class SafetensorsFile implements WeightFile {
    /** Headers above this size are treated as corrupt (the reference implementation uses 100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final long dataStart;
    private final long size; // when opened: every read checks the file still has it
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapping, long dataStart, long size,
                            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.dataStart = dataStart;
        this.size = size;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        MappedFile file = MappedFile.open(path);
        return file.read(map -> {
            long size = map.byteSize();
            if (size < 8) {
                throw new BadInputException(path + ": not a safetensors file (" + size + " bytes, expected an 8-byte header length)");
            }
            long headerLen = map.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
                throw new BadInputException(path + ": header length " + headerLen + " is beyond the file ("
                        + size + " bytes); the file is truncated or not safetensors");
            }
            byte[] header = map.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            long dataStart = 8 + headerLen;
            var parsed = parseHeader(path, header, size - dataStart);
            return new SafetensorsFile(path, file.arena(), map, dataStart, size, parsed.tensors, parsed.metadata);
        });
    }

    private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    }

    /**
     * A header for {@code tensors}, laid out one after another in their order, as {@link SafetensorsWriter} writes it:
     * the 8-byte length, then the JSON header padded with spaces to a multiple of 8 bytes.
     */
    static byte[] header(List<TensorSpec> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (TensorSpec t : tensors) {
            ObjectNode node = root.putObject(t.name());
            node.put("dtype", t.dtype().headerName());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            node.putArray("data_offsets").add(offset).add(offset + t.byteLength());
            offset += t.byteLength();
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer buf = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded);
        buf.put(json);
        while (buf.hasRemaining()) {
            buf.put((byte) ' ');
        }
        return buf.array();
    }

    private static Header parseHeader(Path path, byte[] header, long dataBytes) {
        JsonNode root;
        try {
            String text = new String(header, StandardCharsets.UTF_8).trim();
            requireUniqueNames(path, text);
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new BadInputException(path + ": header is not valid JSON: " + ConfigNode.syntaxProblem(e));
        } catch (IOException e) {
            throw new BadInputException(path + ": cannot parse the header (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(path + ": header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String where = path + ": tensor '" + name + "'";
            JsonNode dt = v.get("dtype");
            JsonNode sh = v.get("shape");
            JsonNode off = v.get("data_offsets");
            if (dt == null || sh == null || off == null || !sh.isArray() || !off.isArray() || off.size() != 2) {
                throw new BadInputException(where + ": expected fields dtype, shape and data_offsets [begin, end]");
            }
            DType dtype = DType.fromHeader(dt.asText(), where);
            long[] shape = new long[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                if (!sh.get(i).canConvertToLong() || sh.get(i).asLong() < 0) {
                    throw new BadInputException(where + ": shape " + sh + " must hold non-negative integers");
                }
                shape[i] = sh.get(i).asLong();
            }
            long begin = off.get(0).asLong();
            long end = off.get(1).asLong();
            if (begin < 0 || end < begin || end > dataBytes) {
                throw new BadInputException(where + ": data_offsets [" + begin + ", " + end
                        + "] lie outside the data section (" + dataBytes + " bytes); the file is truncated or corrupt");
            }
            long expected;
            try {
                expected = Math.multiplyExact(TensorInfo.numel(shape), dtype.byteSize());
            } catch (ArithmeticException ex) {
                throw new BadInputException(where + ": shape " + sh + " overflows");
            }
            if (expected != end - begin) {
                throw new BadInputException(where + ": shape " + sh + " x " + dtype + " is " + expected
                        + " bytes but data_offsets span " + (end - begin));
            }
            tensors.put(name, new TensorInfo(name, dtype, shape, begin, end));
        }
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo prev = byOffset.get(i - 1);
            TensorInfo cur = byOffset.get(i);
            if (cur.begin() < prev.end() && cur.byteLength() > 0 && prev.byteLength() > 0) {
                throw new BadInputException(path + ": tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end()
                        + ") and '" + cur.name() + "' [" + cur.begin() + ", " + cur.end() + ") overlap");
            }
        }
        return new Header(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    /** A tree parse keeps the last of two equal names; the format allows one entry per tensor, so two are an error. */
    private static void requireUniqueNames(Path path, String header) throws IOException {
        try (JsonParser parser = JSON.createParser(header)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return; // reported by the tree parse
            }
            Set<String> names = new HashSet<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                if (!names.add(name)) {
                    throw new BadInputException(path + ": tensor '" + name + "' appears twice in the header");
                }
                parser.nextToken();
                parser.skipChildren();
            }
        }
    }

    @Override
    public Path path() {
        return path;
    }

    /** Tensor entries in header order. */
    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The raw bytes of one tensor: a slice of the mapping, valid until {@link #close()}. */
    @Override
    public TensorSlice slice(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new BadInputException(path + ": no tensor named '" + name + "'");
        }
        return new TensorSlice(info, mapping.asSlice(dataStart + info.begin(), info.byteLength()), path, size);
    }

    @Override
    public void close() {
        arena.close();
    }
}
