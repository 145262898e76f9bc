package dev.amalgam.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amalgam.Fixtures;
import dev.amalgam.files.StagedDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsRoundTripTest {

    @Test
    void readsTheRealFixture() {
        try (SafetensorsModel m = SafetensorsModel.open(Fixtures.stories260K())) {
            assertEquals(2 + 5 * 9, m.tensorNames().size(), "embed + norm + 5 layers x 9 tensors");
            assertArrayEquals(new long[] {512, 64}, m.info("model.embed_tokens.weight").shape());
            assertArrayEquals(new long[] {32, 64}, m.info("model.layers.0.self_attn.k_proj.weight").shape());
            assertEquals(DType.F32, m.info("model.norm.weight").dtype());
            // File size = 8 + header + data: the data section must account for every byte after the header.
            assertTrue(m.totalBytes() > 1_000_000 && m.totalBytes() < 1_044_992);
        }
    }

    /** Writes the fixture's tensors in {@code dtype} into many small shards and reads them back. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void roundTripThroughShardsOfTheRealModel(DType dtype, @TempDir Path tmp) {
        Path out = tmp.resolve("out");
        Map<String, float[]> original = new LinkedHashMap<>();
        try (SafetensorsModel m = SafetensorsModel.open(Fixtures.stories260K())) {
            List<TensorSpec> plan = new ArrayList<>();
            for (String name : m.tensorNames()) {
                plan.add(new TensorSpec(name, dtype, m.info(name).shape()));
                original.put(name, m.slice(name).toFloatArray());
            }
            try (StagedDirectory staged = new StagedDirectory(out);
                 SafetensorsWriter w = new SafetensorsWriter(staged.path(), plan, 40_000, Map.of("format", "pt"))) {
                // Write in reverse order: placement is planned, so order must not matter.
                for (String name : m.tensorNames().reversed()) {
                    w.writeFloat32(name, MemorySegment.ofArray(toLittleEndianBytes(original.get(name))));
                }
                w.finish();
                staged.commit();
            }
        }
        assertTrue(Files.exists(out.resolve(SafetensorsModel.INDEX_FILE)), "many shards need an index");
        try (SafetensorsModel back = SafetensorsModel.open(out)) {
            assertEquals(new ArrayList<>(original.keySet()), back.tensorNames());
            for (var e : original.entrySet()) {
                assertEquals(dtype, back.info(e.getKey()).dtype());
                float[] got = back.slice(e.getKey()).toFloatArray();
                float[] want = e.getValue();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(ScalarNarrowing.roundTrip(dtype, want[i]), got[i], 0f, e.getKey() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 lies exactly halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one (1).
        assertEquals(1.0f, FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(1f + 0x1p-8f)));
        // 1 + 3*2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): rounds up.
        assertEquals(1f + 0x1p-6f, FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(1f + 3 * 0x1p-8f)));
        // Just above halfway rounds up.
        assertEquals(1f + 0x1p-7f, FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(1f + 0x1p-8f + 0x1p-20f)));
        assertTrue(Float.isNaN(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(Float.NaN))));
        assertEquals(Float.NEGATIVE_INFINITY, FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(Float.NEGATIVE_INFINITY)));
        Random r = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            float f = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(10) - 5));
            assertEquals(ScalarNarrowing.roundTrip(DType.BF16, f), FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(f)), 0f);
        }
    }

    @Test
    void widenedNdArrayEqualsScalarWidening(@TempDir Path tmp) {
        float[] values = new float[1000];
        Random r = new Random(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) r.nextGaussian();
        }
        for (DType dtype : List.of(DType.F32, DType.F16, DType.BF16)) {
            try (SafetensorsWriter w = new SafetensorsWriter(tmp, List.of(new TensorSpec("x", dtype, new long[] {10, 100})), 1 << 20, Map.of())) {
                w.writeFloat32("x", MemorySegment.ofArray(toLittleEndianBytes(values)));
                w.finish();
            }
            try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve(SafetensorsModel.SINGLE_FILE));
                 NDManager m = NDManager.newBaseManager()) {
                NDArray a = f.slice("x").toFloat32(m);
                assertArrayEquals(new long[] {10, 100}, a.getShape().getShape());
                float[] got = a.toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    assertEquals(ScalarNarrowing.roundTrip(dtype, values[i]), got[i], 0f, dtype + "[" + i + "]");
                }
            }
        }
    }

    /**
     * Chunks put from several threads, out of order and of uneven sizes, make the same file as one writeFloat32, while
     * background syncs (one per 256 KiB written here) run beside the writes.
     */
    @Test
    void streamedChunksWriteTheSameBytesAsTheWholeTensor(@TempDir Path tmp) throws Exception {
        int n = 3 * (1 << 20) + 777; // several of the stream's 1 MiB buffers per thread
        float[] values = new float[n];
        Random r = new Random(11);
        for (int i = 0; i < n; i++) {
            values[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(6) - 3));
        }
        List<Integer> starts = new ArrayList<>();
        for (int at = 0; at < n; at += 1000 + (at % 7) * 4096) {
            starts.add(at);
        }
        List<Integer> order = new ArrayList<>(java.util.stream.IntStream.range(0, starts.size()).boxed().toList());
        java.util.Collections.shuffle(order, new Random(12));
        for (DType dtype : List.of(DType.F32, DType.F16, DType.BF16)) {
            TensorSpec spec = new TensorSpec("x", dtype, new long[] {n});
            Path whole = Files.createDirectories(tmp.resolve("whole-" + dtype));
            Path streamed = Files.createDirectories(tmp.resolve("streamed-" + dtype));
            try (SafetensorsWriter w = new SafetensorsWriter(whole, List.of(spec), 1L << 30, Map.of())) {
                w.writeFloat32("x", MemorySegment.ofArray(toLittleEndianBytes(values)));
                w.finish();
            }
            try (SafetensorsWriter w = new SafetensorsWriter(streamed, List.of(spec), 1L << 30, Map.of(), 1 << 18)) {
                try (SafetensorsWriter.Float32Stream stream = w.streamFloat32("x")) {
                    order.parallelStream().forEach(k -> {
                        int at = starts.get(k);
                        int end = k + 1 < starts.size() ? starts.get(k + 1) : n;
                        stream.put(at, Arrays.copyOfRange(values, at, end), end - at);
                    });
                    stream.finish();
                }
                w.finish();
                assertTrue(w.backgroundSyncs() > 0, "no background sync ran for " + dtype);
            }
            assertArrayEquals(Files.readAllBytes(whole.resolve(SafetensorsModel.SINGLE_FILE)),
                    Files.readAllBytes(streamed.resolve(SafetensorsModel.SINGLE_FILE)), dtype.name());
        }
    }

    /**
     * Tensors streamed one after another reuse the thread buffers of the streams before them (one 1 MiB buffer, and one
     * made for a chunk larger than that), and each makes the same bytes as writeFloat32: no stale byte of an earlier
     * tensor lands in a later one.
     */
    @Test
    void laterStreamsReuseTheBuffersOfEarlierOnes(@TempDir Path tmp) throws Exception {
        int[] sizes = {300_000, 700_000, 450_000};
        List<TensorSpec> specs = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        Random r = new Random(13);
        for (int t = 0; t < sizes.length; t++) {
            specs.add(new TensorSpec("t" + t, DType.BF16, new long[] {sizes[t]}));
            float[] v = new float[sizes[t]];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            values.add(v);
        }
        Path whole = Files.createDirectories(tmp.resolve("whole"));
        Path streamed = Files.createDirectories(tmp.resolve("streamed"));
        try (SafetensorsWriter w = new SafetensorsWriter(whole, specs, 1L << 30, Map.of())) {
            for (int t = 0; t < sizes.length; t++) {
                w.writeFloat32("t" + t, MemorySegment.ofArray(toLittleEndianBytes(values.get(t))));
            }
            w.finish();
        }
        try (SafetensorsWriter w = new SafetensorsWriter(streamed, specs, 1L << 30, Map.of())) {
            for (int t = 0; t < sizes.length; t++) {
                float[] v = values.get(t);
                int big = t == 1 ? 600_000 : 0; // tensor 1 starts with a chunk of 1.2 MB in bf16: a buffer of its own
                try (SafetensorsWriter.Float32Stream stream = w.streamFloat32("t" + t)) {
                    for (int at = 0; at < v.length; ) {
                        int len = Math.min(v.length - at, at == 0 && big > 0 ? big : 16_384);
                        stream.put(at, Arrays.copyOfRange(v, at, at + len), len);
                        at += len;
                    }
                    stream.finish();
                }
            }
            assertEquals(2, w.spareBuffers(), "buffers kept for the next stream");
            w.finish();
        }
        assertArrayEquals(Files.readAllBytes(whole.resolve(SafetensorsModel.SINGLE_FILE)),
                Files.readAllBytes(streamed.resolve(SafetensorsModel.SINGLE_FILE)));
    }

    /**
     * A restarted tensor (the kernel's second pass after a threshold guess that missed) ends with the values put after
     * the restart. Thread A's buffer still holds a stale chunk when thread B writes that chunk's new values (B flushes
     * them on its next, non-adjacent put): written at finish, A's stale bytes would land over B's.
     */
    @Test
    void aRestartDropsWhatTheThreadsBuffersStillHold(@TempDir Path tmp) throws Exception {
        float[] stale = {1, 2, 3, 4};
        float[] fresh = {5, 6, 7, 8};
        TensorSpec spec = new TensorSpec("x", DType.F32, new long[] {8});
        try (SafetensorsWriter w = new SafetensorsWriter(tmp, List.of(spec), 1L << 30, Map.of())) {
            try (SafetensorsWriter.Float32Stream stream = w.streamFloat32("x")) {
                Thread a = Thread.ofPlatform().start(() -> stream.put(0, stale.clone(), 4));
                a.join();
                stream.restart();
                Thread b = Thread.ofPlatform().start(() -> {
                    stream.put(0, fresh.clone(), 4);
                    stream.put(6, fresh.clone(), 2); // not adjacent: B's buffer is written now, before A's would be
                });
                b.join();
                stream.put(4, stale.clone(), 2); // this thread's own buffer: elements 4 and 5
                stream.finish();
            }
            w.finish();
        }
        try (SafetensorsModel m = SafetensorsModel.open(tmp)) {
            assertArrayEquals(new float[] {5, 6, 7, 8, 1, 2, 5, 6}, m.slice("x").toFloatArray());
        }
    }

    @Test
    void unfinishedStagedFolderLeavesNothing(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("merged");
        try (StagedDirectory staged = new StagedDirectory(out)) {
            Files.writeString(staged.path().resolve("config.json"), "{}");
        }
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.count(), "no final and no partial folder after a failed job");
        }
    }

    static byte[] toLittleEndianBytes(float[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }
}
