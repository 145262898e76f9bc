package dev.amalgam.safetensors;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Each corrupt input is one clear error naming the file and the culprit. */
class SafetensorsValidationTest {

    /** A raw file: 8-byte length, the given header text, then {@code dataBytes} zero bytes. */
    static Path raw(Path dir, String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    static String error(Path p) {
        return assertThrows(BadInputException.class, () -> SafetensorsModel.open(p).close()).getMessage();
    }

    @Test
    void acceptsAWellFormedFile(@TempDir Path tmp) throws IOException {
        Path p = raw(tmp, "ok.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[16,19]}}", 19);
        try (SafetensorsModel m = SafetensorsModel.open(p)) {
            assertEquals(java.util.List.of("a", "b"), m.tensorNames());
            assertEquals(19, m.totalBytes());
        }
    }

    @Test
    void truncatedData(@TempDir Path tmp) throws IOException {
        Path p = raw(tmp, "t.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 10);
        String msg = error(p);
        assertTrue(msg.contains("t.safetensors") && msg.contains("'w'") && msg.contains("truncated"), msg);
    }

    @Test
    void headerLengthBeyondFile(@TempDir Path tmp) throws IOException {
        Path p = tmp.resolve("h.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000_000).putLong(0);
        Files.write(p, b.array());
        String msg = error(p);
        assertTrue(msg.contains("h.safetensors") && msg.contains("header length 1000000"), msg);
    }

    @Test
    void overlappingOffsets(@TempDir Path tmp) throws IOException {
        Path p = raw(tmp, "o.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        String msg = error(p);
        assertTrue(msg.contains("'a'") && msg.contains("'b'") && msg.contains("overlap"), msg);
    }

    @Test
    void unknownDtype(@TempDir Path tmp) throws IOException {
        Path p = raw(tmp, "d.safetensors", "{\"a\":{\"dtype\":\"F7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        String msg = error(p);
        assertTrue(msg.contains("d.safetensors") && msg.contains("'a'") && msg.contains("unknown dtype 'F7'"), msg);
    }

    @Test
    void shapeDisagreesWithOffsets(@TempDir Path tmp) throws IOException {
        Path p = raw(tmp, "s.safetensors", "{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        String msg = error(p);
        assertTrue(msg.contains("'a'") && msg.contains("6 bytes") && msg.contains("span 8"), msg);
    }

    @Test
    void notJson(@TempDir Path tmp) throws IOException {
        String msg = error(raw(tmp, "j.safetensors", "{not json", 0));
        assertTrue(msg.contains("j.safetensors") && msg.contains("JSON"), msg);
    }

    @Test
    void missingShardListedInIndex(@TempDir Path tmp) throws IOException {
        raw(tmp, "model-00001-of-00002.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        Files.writeString(tmp.resolve(SafetensorsModel.INDEX_FILE), "{\"metadata\":{},\"weight_map\":{"
                + "\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\"}}");
        String msg = error(tmp);
        assertTrue(msg.contains("model-00002-of-00002.safetensors") && msg.contains("missing"), msg);
    }

    @Test
    void missingFolder(@TempDir Path tmp) {
        String msg = error(tmp.resolve("nope"));
        assertTrue(msg.contains("nope") && msg.contains("not found"), msg);
    }

    @Test
    void truncatedShardWrittenByUs(@TempDir Path tmp) throws IOException {
        Path p = raw(tmp, "model.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[64],\"data_offsets\":[0,256]}}", 256);
        byte[] all = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(all, all.length - 100));
        String msg = error(tmp);
        assertTrue(msg.contains("model.safetensors") && msg.contains("truncated"), msg);
    }
}
