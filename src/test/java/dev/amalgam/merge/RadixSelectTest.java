package dev.amalgam.merge;

import dev.amalgam.safetensors.FloatCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RadixSelect} against a full sort of the values' bits, over every path: settled by one pass, and by two. */
class RadixSelectTest {
    private static final int N = 50_000;

    /**
     * @param bf16Share the share of values that are bf16 values (low 16 bits 0): 1 settles every k in one pass, 0
     *                  (fp32 values) almost none, a mix some of each
     */
    @ParameterizedTest(name = "bf16 share {0}")
    @ValueSource(doubles = {1.0, 0.0, 0.9})
    void everyKIsTheSortsKthLargest(double bf16Share) {
        Random random = new Random(11);
        float[] values = new float[N];
        for (int i = 0; i < N; i++) {
            float x = (float) (0.01 * random.nextGaussian());
            values[i] = random.nextDouble() < bf16Share ? FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(x)) : x;
        }
        values[17] = Float.POSITIVE_INFINITY;
        values[18] = -0f;
        values[19] = -values[20]; // |v| counts, not v
        int[] sorted = new int[N]; // the reference: |v|'s bits, whose order is the values' order
        for (int i = 0; i < N; i++) {
            sorted[i] = Float.floatToRawIntBits(Math.abs(values[i]));
        }
        Arrays.sort(sorted);
        long[] high = countInRanges(values, null);
        int found = 0;
        int refined = 0;
        for (long k = 1; k <= N; k += 97) {
            int expected = sorted[(int) (N - k)];
            float actual = switch (RadixSelect.afterHigh(high, k)) {
                case RadixSelect.Found(float value) -> {
                    found++;
                    assertEquals(0, expected & 0xFFFF, "settled in one pass only where the k-th has no low bits");
                    yield value;
                }
                case RadixSelect.Refine r -> {
                    refined++;
                    assertTrue((expected & 0xFFFF) != 0, "a second pass only where the k-th has low bits, k = " + k);
                    yield RadixSelect.afterLow(r, countInRanges(values, r));
                }
            };
            assertEquals(expected, Float.floatToRawIntBits(actual), "k = " + k);
        }
        assertEquals(bf16Share == 1.0, refined == 0, "one pass settles every k only if all values are bf16: " + refined);
        assertEquals(bf16Share == 0.0, found <= 1, "fp32 values need the second pass: " + found + " settled in one");
    }

    /**
     * The selection over an array (a sample, a bracket's kept values): several ranks from one counting pass, against
     * a sort of the bits, over non-negative values with repeats, zeros, infinities and NaN, and over a part of the array.
     */
    @Test
    void largestOfAnArrayIsTheSortsAtEveryRank() {
        Random random = new Random(12);
        for (int trial = 0; trial < 50; trial++) {
            int size = 1 + random.nextInt(trial < 25 ? 300 : 20_000);
            float[] values = new float[size + 7]; // 7 values past size, which must not count
            for (int i = 0; i < values.length; i++) {
                values[i] = switch (random.nextInt(8)) {
                    case 0 -> random.nextInt(4); // repeated, 0 among them
                    case 1 -> FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(random.nextFloat()));
                    case 2 -> random.nextInt(50) == 0 ? Float.NaN : Float.POSITIVE_INFINITY;
                    default -> random.nextFloat() * 1e-3f;
                };
            }
            Arrays.fill(values, size, values.length, Float.NaN);
            int[] sorted = new int[size];
            for (int i = 0; i < size; i++) {
                sorted[i] = Float.floatToRawIntBits(values[i]);
            }
            Arrays.sort(sorted);
            RadixSelect.Ranked ranked = new RadixSelect.Ranked(values, size);
            for (long rank : random.longs(5, 1, size + 1).toArray()) {
                assertEquals(sorted[(int) (size - rank)], Float.floatToRawIntBits(ranked.largest(rank)),
                        "rank " + rank + " of " + size);
            }
        }
    }

    @ParameterizedTest(name = "k = {0}")
    @ValueSource(longs = {0, N + 1})
    void kOutsideTheValuesIsRefused(long k) {
        long[] high = countInRanges(new float[N], null);
        if (k < 1) {
            assertThrows(IllegalArgumentException.class, () -> RadixSelect.afterHigh(high, k));
        } else {
            assertThrows(IllegalStateException.class, () -> RadixSelect.afterHigh(high, k));
        }
    }

    /** Counted in three ranges of uneven chunks, plus an empty one, and summed: as the kernel counts a tensor. */
    private static long[] countInRanges(float[] values, RadixSelect.Refine refine) {
        int size = refine == null ? RadixSelect.HIGH : RadixSelect.LOW;
        int[][] ranges = new int[4][];
        int[] bounds = {0, 12_345, 12_346, N};
        for (int r = 0; r < 3; r++) {
            ranges[r] = new int[size];
            for (int from = bounds[r]; from < bounds[r + 1]; from += 4096) {
                int len = Math.min(4096, bounds[r + 1] - from);
                float[] chunk = Arrays.copyOfRange(values, from, from + len);
                if (refine == null) {
                    RadixSelect.countHigh(chunk, len, ranges[r], new int[len]);
                } else {
                    RadixSelect.countLow(chunk, len, refine.bucket(), ranges[r]);
                }
            }
        }
        return RadixSelect.sum(ranges, size);
    }
}
