package dev.amalgam.merge;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TIES' threshold search ({@link MagnitudeThresholds}, {@link ThresholdGuess}) against a sort: the k-th largest |delta| in
 * the bit order of |delta| ({@link RadixSelect}'s, where NaN ranks above infinity), over in-memory deltas, counting the
 * passes it takes: one where a sample's guess is proved or its bracket holds the threshold, more where the guess misses
 * or the bracket does not hold.
 */
class MagnitudeThresholdsTest {
    private static final int N = 600_000; // a full sample: 64 segments

    /** In-memory deltas of one or more models, one range, counting the full passes. */
    private static final class Deltas implements MagnitudeThresholds.Passes {
        final List<float[]> models;
        int passes;

        Deltas(float[]... models) {
            this.models = List.of(models);
        }

        @Override
        public long numel() {
            return models.getFirst().length;
        }

        @Override
        public void eachDelta(int[] which, IntFunction<MagnitudeThresholds.ChunkSink> sinkOfRange) {
            passes++;
            MagnitudeThresholds.ChunkSink sink = sinkOfRange.apply(0);
            float[] chunk = new float[ChunkRanges.CHUNK];
            for (int at = 0; at < numel(); at += chunk.length) {
                int len = (int) Math.min(chunk.length, numel() - at);
                for (int m = 0; m < which.length; m++) {
                    System.arraycopy(models.get(which[m]), at, chunk, 0, len);
                    sink.accept(m, chunk, len);
                }
            }
        }

        @Override
        public void absDeltas(int model, long[] starts, int length, float[] into) {
            for (int g = 0; g < starts.length; g++) {
                for (int j = 0; j < length; j++) {
                    into[g * length + j] = Math.abs(models.get(model)[(int) starts[g] + j]);
                }
            }
        }
    }

    /** The k-th largest |v| in bit order, by sorting. */
    private static float reference(float[] v, long k) {
        int[] bits = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = Float.floatToRawIntBits(Math.abs(v[i]));
        }
        Arrays.sort(bits);
        return Float.intBitsToFloat(bits[(int) (v.length - k)]);
    }

    /** A fine-tune's deltas: a few bf16 steps of N(0, 0.02) weights (2.5% of their scale), so their values repeat. */
    private static float[] repeating(long seed) {
        Random r = new Random(seed);
        float[] d = new float[N];
        for (int i = 0; i < N; i++) {
            float base = bf16(0.02f * (float) r.nextGaussian());
            d[i] = bf16(base + 0.0005f * (float) r.nextGaussian()) - base;
        }
        return d;
    }

    private static float bf16(float x) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(x) + 0x8000 & 0xFFFF0000); // round half up: fine for test data
    }

    private static void check(Deltas deltas, long[] k, int passes, String what) {
        int[] models = new int[deltas.models.size()];
        Arrays.setAll(models, i -> i);
        float[] found = MagnitudeThresholds.find(deltas, models, k);
        for (int m = 0; m < models.length; m++) {
            assertEquals(Float.floatToRawIntBits(reference(deltas.models.get(m), k[m])), Float.floatToRawIntBits(found[m]),
                    what + ", model " + m + ", k " + k[m]);
        }
        assertEquals(passes, deltas.passes, what + ": passes");
    }

    /**
     * The median of repeating deltas is settled by the guess, for both models in one pass. Where the sample's rank falls
     * just outside the block of equal values that holds the tensor's k-th largest (here k = N / 10 of model 0: its guess's
     * copies hold ranks 46,346 to 59,657 of the tensor), the count shows the miss and a radix pass follows; where the
     * sample holds the value at its rank too seldom (k = 3N / 4), no guess is tried.
     */
    @Test
    void repeatingDeltasAreMostlySettledByTheGuessInOnePass() {
        check(new Deltas(repeating(1), repeating(2)), new long[]{N / 2, N / 2}, 1, "repeating deltas, the median");
        check(new Deltas(repeating(1)), new long[]{N / 10}, 2, "a guess just outside its block");
        check(new Deltas(repeating(1)), new long[]{3 * N / 4}, 1, "a value too seldom in the sample: the radix pass alone");
    }

    /**
     * Deltas that seldom repeat get no guess but a bracket around the sample's value: one pass settles them, fp32 ones
     * (found strictly within the bracket), and the differences of bf16 values, whose values repeat a little: an end of
     * the bracket is then often a value many deltas share, counted there. k near either end of the order too.
     */
    @Test
    void unrepeatedDeltasAreFoundWithinTheSamplesBracketInOnePass() {
        Random r = new Random(3);
        float[] fp32 = new float[N];
        float[] bf16Steps = new float[N];
        for (int i = 0; i < N; i++) {
            fp32[i] = (float) r.nextGaussian(); // all but never repeated
            float base = bf16(0.02f * (float) r.nextGaussian());
            bf16Steps[i] = bf16(base + 0.01f * (float) r.nextGaussian()) - base; // a model far from its base
        }
        check(new Deltas(fp32), new long[]{N / 2}, 1, "fp32 deltas, the median");
        check(new Deltas(fp32, bf16Steps), new long[]{N / 10, 3 * N / 10}, 1, "fp32 and bf16 steps");
        for (long k : new long[]{1, 40, N - 40}) { // (k = N: the sample's least value is a guess, one copy being enough there)
            check(new Deltas(fp32), new long[]{k}, 1, "k " + k);
        }
        // the smallest bf16 steps are zeros, which fill enough of the sample for a guess: its own pass
        check(new Deltas(fp32, bf16Steps), new long[]{40, N - 40}, 2, "the bf16 steps' zeros");
    }

    /**
     * A bracket the tensor does not hold its threshold in, and one around values that fill the tensor past the room the
     * kept values may take (a sixteenth of it): the radix passes find the threshold after the bracket's pass.
     */
    @Test
    void aBracketThatMissesOrOverflowsFallsBackToTheRadixPasses() {
        Random r = new Random(7);
        long[] starts = ThresholdGuess.segments(N);
        boolean[] sampled = new boolean[N];
        for (long start : starts) {
            Arrays.fill(sampled, (int) start, (int) start + ThresholdGuess.SEGMENT, true);
        }
        float[] shifted = new float[N]; // the sample 10x the rest: its median lies far above the tensor's
        float[] narrow = new float[N]; // the sample spread over [0, 1), the rest within a hair of its median
        for (int i = 0; i < N; i++) {
            float g = (float) r.nextGaussian();
            shifted[i] = sampled[i] ? 10 * g : g;
            narrow[i] = sampled[i] ? r.nextFloat() : 0.5f + 1e-4f * r.nextFloat();
        }
        check(new Deltas(shifted), new long[]{N / 2}, 3, "a misleading sample (the bracket's pass, then two radix passes)");
        check(new Deltas(narrow), new long[]{N / 2}, 3, "a bracket that fills up");
    }

    /**
     * A guess that misses: the sampled segments hold zeros, which the rest of the tensor does not, so the sample's k-th
     * largest (0) is not the tensor's; the counting pass shows it and a radix pass finds the threshold.
     */
    @Test
    void aGuessThatMissesFallsBackToTheRadixPasses() {
        float[] d = repeating(4);
        for (long start : ThresholdGuess.segments(N)) {
            Arrays.fill(d, (int) start, (int) start + ThresholdGuess.SEGMENT, 0f);
        }
        check(new Deltas(d), new long[]{N / 20}, 2, "a misleading sample");
    }

    /**
     * NaN and infinite deltas outside the sample rank above every value, as in the radix passes' bit order, for the
     * guess's count and the bracket's; k = 1 (a NaN) and k = N too.
     */
    @Test
    void nanDeltasRankAboveEveryValueAndTheEndsAreExact() {
        Random r = new Random(8);
        float[] fp32 = new float[N];
        for (int i = 0; i < N; i++) {
            fp32[i] = (float) r.nextGaussian();
        }
        long[] starts = ThresholdGuess.segments(N);
        for (float[] d : List.of(repeating(5), fp32)) {
            int nans = 0;
            for (int i = ThresholdGuess.SEGMENT; i < N && nans < 100; i += 997) {
                int at = i;
                if (Arrays.stream(starts).noneMatch(s -> at >= s && at < s + ThresholdGuess.SEGMENT)) {
                    d[i] = nans % 10 == 0 ? Float.NEGATIVE_INFINITY : Float.NaN;
                    nans++;
                }
            }
            for (long k : new long[]{1, 90, 91, 100, 101, N / 2, N}) {
                float[] found = MagnitudeThresholds.find(new Deltas(d), new int[]{0}, new long[]{k});
                assertEquals(Float.floatToRawIntBits(reference(d, k)), Float.floatToRawIntBits(found[0]), "k " + k);
            }
        }
    }

    /**
     * A tensor too small for a sample (a norm's: 2048 values; and one value under 8 segments) is ranked whole, with no
     * pass over it: every k of deltas with repeats, zeros, infinities and NaN, fp32 and bf16 steps, against the sort.
     */
    @Test
    void aTensorTooSmallForASampleIsRankedWholeInNoPass() {
        Random r = new Random(9);
        for (int n : new int[]{1, 2048, 8 * ThresholdGuess.SEGMENT - 1}) {
            assertEquals(0, ThresholdGuess.segments(n).length, n + " values: no sample");
            float[] fp32 = new float[n];
            float[] mixed = new float[n];
            for (int i = 0; i < n; i++) {
                fp32[i] = (float) r.nextGaussian();
                mixed[i] = switch (r.nextInt(6)) {
                    case 0 -> 0f;
                    case 1 -> r.nextInt(40) == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
                    case 2 -> -0.25f; // repeated
                    default -> bf16(0.02f * (float) r.nextGaussian()) - bf16(0.02f * (float) r.nextGaussian());
                };
            }
            for (long k = 1; k <= n; k += Math.max(1, n / 97)) {
                check(new Deltas(fp32, mixed), new long[]{k, n + 1 - k}, 0, n + " values, k " + k);
            }
        }
    }

    @Test
    void countsMatchCounting() {
        Random r = new Random(6);
        float[] edge = {Float.NaN, -0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, 1f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, 2f, -0.5f};
        float[] many = new float[5003]; // the vectorized loop's body, not only its scalar tail
        for (int i = 0; i < many.length; i++) {
            many[i] = i % 7 == 0 ? edge[r.nextInt(edge.length)] : (float) r.nextGaussian();
        }
        for (float[] values : List.of(edge, many)) {
            for (float t : new float[]{-0f, 0f, Float.MIN_VALUE, 0.5f, 1f, 2f, Float.MAX_VALUE, Float.POSITIVE_INFINITY}) {
                int atMost = 0;
                int below = 0;
                for (float x : values) {
                    atMost += Math.abs(x) <= t ? 1 : 0;
                    below += Math.abs(x) < t ? 1 : 0;
                }
                int both = ThresholdGuess.atMostAndBelow(values, values.length, t);
                assertEquals(atMost, both >>> 16, "at most " + t + " of " + values.length);
                assertEquals(below, both & 0xFFFF, "below " + t + " of " + values.length);
            }
        }
    }

    private static RadixSelect.Ranked ranked(float[] sample) {
        return new RadixSelect.Ranked(sample, sample.length);
    }

    /** The guess at the k-th largest of 8192 values from {@code sample} of them, in 4 segments. */
    private static float guess(float[] sample, long k) {
        return ThresholdGuess.estimate(ranked(sample), 4, k, 8192).guess();
    }

    @Test
    void aGuessNeedsARepeatedFiniteValueAtItsRank() {
        float[] repeated = new float[4096];
        for (int i = 0; i < repeated.length; i++) {
            repeated[i] = i % 4; // four values, 1024 copies each
        }
        assertEquals(3f, guess(repeated, 2000)); // rank 1000 of 4096: a 3
        assertEquals(1f, guess(repeated, 5000)); // rank 2500: a 1
        float[] unique = new float[4096];
        for (int i = 0; i < unique.length; i++) {
            unique[i] = i;
        }
        assertTrue(Float.isNaN(guess(unique, 2000)), "values seen once");
        float[] withNan = repeated.clone();
        withNan[7] = Float.NaN;
        assertEquals(3f, guess(withNan, 2000), "a NaN elsewhere in the sample");
        Arrays.fill(withNan, 0, 1100, Float.NaN);
        assertTrue(Float.isNaN(guess(withNan, 2000)), "a NaN at the rank");
        assertNull(ThresholdGuess.estimate(ranked(withNan), 4, 2000, 8192).bracket(), "no bracket around a NaN");
        assertNull(ThresholdGuess.estimate(ranked(repeated), 4, 2000, 8192).bracket(), "a guess, no bracket");
        float[] infinite = repeated.clone();
        Arrays.fill(infinite, 0, 2048, Float.POSITIVE_INFINITY);
        assertTrue(Float.isNaN(guess(infinite, 100)), "an infinite guess");
        assertTrue(ThresholdGuess.settles(10, 3, 8, 6), "4 values >= t and 2 > t: t is the 3rd largest");
        assertTrue(!ThresholdGuess.settles(10, 5, 8, 6) && !ThresholdGuess.settles(10, 2, 8, 6), "outside");
    }
}
