package dev.amalgam.merge;

import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.SafetensorsModel;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSlice;
import dev.amalgam.safetensors.TensorSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BracketCount}'s pass over mapped inputs: in the lanes ({@link BracketLanes}, the ranges' tails in floats) and
 * in floats only ({@link BracketCount.Range#accept}), on bf16 and fp32 tensors whose length is no multiple of a vector,
 * against each other and against a sort of |x - base| (fp32, as the kernel forms it), at every k the bracket holds and
 * outside it (NaN). Brackets from the tensors' samples and brackets chosen to have a value many deltas share at an end.
 */
class BracketCountTest {
    private static final long[] SHAPE = {37, 2999}; // 110,963 elements: 7 chunks, no whole number of vectors

    @TempDir
    Path tmp;

    @Test
    void theLanesCountAsTheFloatsAndFindTheSortsKthLargest() throws IOException {
        Random random = new Random(21);
        int n = Math.toIntExact(SHAPE[0] * SHAPE[1]);
        float[][] values = new float[3][n]; // base, two models: a model far from its base, and one near it
        for (int i = 0; i < n; i++) {
            values[0][i] = 0.02f * (float) random.nextGaussian();
            values[1][i] = values[0][i] + 0.01f * (float) random.nextGaussian();
            values[2][i] = values[0][i] + 0.0005f * (float) random.nextGaussian();
        }
        for (DType dtype : List.of(DType.BF16, DType.F32)) {
            List<SafetensorsModel> models = new ArrayList<>();
            List<TensorSlice> slices = new ArrayList<>();
            for (int m = 0; m < 3; m++) {
                models.add(SafetensorsModel.open(write(tmp.resolve(dtype + "-" + m), dtype, values[m])));
                slices.add(models.getLast().slice("w"));
            }
            try {
                KernelInputs lanes = new KernelInputs(slices, false);
                lanes.guarded(() -> check(lanes, dtype));
            } finally {
                models.forEach(SafetensorsModel::close);
            }
        }
    }

    @Test
    void aClosedCountHandsItsArraysToTheNextAndTheRoomIsTakenByCapacity() {
        ThresholdGuess.Bracket[] one = {new ThresholdGuess.Bracket(0, 100)};
        long numel = 1 << 16;
        long room = BracketCount.room(numel);
        float[] grown;
        try (BracketCount count = new BracketCount(one, numel)) {
            grown = count.range(0).kept(0, 50_000);
            assertTrue(grown.length >= 50_000 + BracketCount.Range.SLACK, "grown past its first floats: " + grown.length);
        }
        try (BracketCount count = new BracketCount(one, numel)) {
            BracketCount.Range range = count.range(0);
            assertSame(grown, range.kept(0, 1), "the closed count's array, not a new one");
            assertSame(grown, range.kept(0, 50_000), "grown within it: no copy");
        }
        // the room as fresh arrays take it (the first INITIAL floats free, each growth by the new capacity), however
        // long the spares are: the same counts settle a model with or without them
        int most = Math.toIntExact(room + BracketCount.Range.INITIAL - BracketCount.Range.SLACK);
        try (BracketCount count = new BracketCount(one, numel)) {
            assertTrue(count.range(0).kept(0, most) != null, "room for " + most);
        }
        try (BracketCount count = new BracketCount(one, numel)) {
            assertTrue(count.range(0).kept(0, most + 1) == null, "no room for " + (most + 1));
        }
    }

    private static void check(KernelInputs lanes, DType dtype) {
        MagnitudeThresholds.Passes floats = new MagnitudeThresholds.Passes() { // eachBracket's default: chunks in floats
            @Override
            public long numel() {
                return lanes.numel();
            }

            @Override
            public void eachDelta(int[] models, IntFunction<MagnitudeThresholds.ChunkSink> sinkOfRange) {
                lanes.eachDelta(models, sinkOfRange);
            }

            @Override
            public void absDeltas(int model, long[] starts, int length, float[] into) {
                lanes.absDeltas(model, starts, length, into);
            }
        };
        int[] models = {0, 1};
        int[][] sorted = new int[models.length][]; // |x - base|'s bits, ascending
        long n = lanes.numel();
        float[] base = lanes.slices().getFirst().toFloatArray();
        for (int m : models) {
            float[] x = lanes.slices().get(m + 1).toFloatArray();
            sorted[m] = new int[x.length];
            Arrays.setAll(sorted[m], i -> Float.floatToRawIntBits(Math.abs(x[i] - base[i])));
            Arrays.sort(sorted[m]);
        }
        List<ThresholdGuess.Bracket[]> tried = new ArrayList<>();
        for (long k : new long[]{n / 2, n / 10}) {
            ThresholdGuess.Bracket[] fromSample = MagnitudeThresholds.estimates(lanes, models, new long[]{k, k}).brackets();
            assertTrue(fromSample[0] != null, dtype + ": a model far from its base gets a bracket, k " + k);
            tried.add(new ThresholdGuess.Bracket[]{fromSample[0], fromSample[0]});
        }
        // ends on values that many deltas share: the values at ranks 30% and 70%, which repeat on bf16 inputs
        int from = (int) (n * 3 / 10);
        int to = (int) (n * 7 / 10);
        tried.add(new ThresholdGuess.Bracket[]{new ThresholdGuess.Bracket(sorted[0][from], sorted[0][to]),
                new ThresholdGuess.Bracket(sorted[1][from], sorted[1][to])});
        // narrow ones: 80 ranks about the median, and 4000 values of the bits above it (as many as BracketCount has
        // buckets: one value each)
        int mid = (int) (n / 2);
        tried.add(new ThresholdGuess.Bracket[]{new ThresholdGuess.Bracket(sorted[0][mid - 40], sorted[0][mid + 40]),
                new ThresholdGuess.Bracket(sorted[1][mid - 40], sorted[1][mid + 40])});
        tried.add(new ThresholdGuess.Bracket[]{new ThresholdGuess.Bracket(sorted[0][mid], sorted[0][mid] + 4000),
                new ThresholdGuess.Bracket(sorted[1][mid], sorted[1][mid] + 4000)});
        for (ThresholdGuess.Bracket[] brackets : tried) { // each count closed: the next one's arrays hold its values
            try (BracketCount inLanes = new BracketCount(brackets, n); BracketCount inFloats = new BracketCount(brackets, n)) {
                counted(lanes, floats, models, brackets, inLanes, inFloats, sorted, dtype);
            }
        }
    }

    private static void counted(KernelInputs lanes, MagnitudeThresholds.Passes floats, int[] models, ThresholdGuess.Bracket[] brackets,
                                BracketCount inLanes, BracketCount inFloats, int[][] sorted, DType dtype) {
        long n = lanes.numel();
        lanes.eachBracket(models, inLanes);
        floats.eachBracket(models, inFloats);
        int settled = 0;
        for (int m : models) {
            // every 131st k, and each count of the bracket's (k at it and one past it: where the answer changes side)
            int low = brackets[m].low();
            int high = brackets[m].high();
            int[] bits = sorted[m];
            long[] edges = {Arrays.stream(bits).filter(b -> b > high).count(),
                    Arrays.stream(bits).filter(b -> b >= high).count(),
                    Arrays.stream(bits).filter(b -> b > low).count(),
                    Arrays.stream(bits).filter(b -> b >= low).count()};
            // and every k strictly within a narrow bracket
            long strictly = edges[2] - edges[1] <= 200 ? edges[2] - edges[1] : 0;
            long[] ks = LongStream.concat(LongStream.concat(LongStream.iterate(1, k -> k <= n, k -> k + 131),
                            Arrays.stream(edges).flatMap(e -> LongStream.of(e, e + 1))),
                    LongStream.rangeClosed(1, strictly).map(k -> edges[1] + k)).filter(k -> k >= 1 && k <= n).toArray();
            for (long k : ks) {
                float found = inLanes.threshold(m, k);
                assertEquals(Float.floatToRawIntBits(inFloats.threshold(m, k)), Float.floatToRawIntBits(found),
                        dtype + ", model " + m + ", k " + k + ": lanes against floats");
                int expected = sorted[m][(int) (n - k)];
                boolean within = expected >= brackets[m].low() && expected <= brackets[m].high();
                assertEquals(within ? expected : Float.floatToRawIntBits(Float.NaN), Float.floatToRawIntBits(found),
                        dtype + ", model " + m + ", k " + k + " (within the bracket: " + within + ")");
                settled += within ? 1 : 0;
            }
        }
        assertTrue(settled > 20, dtype + ": ks within the brackets " + settled);
    }

    private static Path write(Path dir, DType dtype, float[] values) throws IOException {
        Files.createDirectories(dir);
        try (Arena arena = Arena.ofConfined();
             SafetensorsWriter w = new SafetensorsWriter(dir, List.of(new TensorSpec("w", dtype, SHAPE)), 1L << 30, Map.of())) {
            MemorySegment bytes = arena.allocate(values.length * dtype.byteSize());
            for (int i = 0; i < values.length; i++) {
                if (dtype == DType.BF16) {
                    bytes.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i,
                            FloatCodec.floatToBf16(values[i]));
                } else {
                    bytes.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, values[i]);
                }
            }
            w.write("w", bytes);
            w.finish();
        }
        return dir;
    }
}
