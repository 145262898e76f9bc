package dev.amalgam.merge;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The two L1 norms behind {@code rescale}'s factor, sum |delta| before the mask and after it, in double: for a magnitude
 * mask summed as they are ({@link #addL1}); for a random (DARE) mask in a merge summed as they are too, in 16 lanes
 * ({@link #addDirect}, {@link NormLanes}); for a random mask in a search from |delta| summed per <em>level</em> of the
 * mask's uniform u, its top 12 bits (4096 levels). A mask of density d keeps the elements whose u x 2^24 is below
 * T = ceil(d x 2^24) ({@link TensorRandom#thin}), so
 * <pre>
 * before = sum of all levels
 * after  = sum of the levels below T's level + the |delta| of T's level with u x 2^24 below T (the partial level)
 * </pre>
 * The levels depend on the delta and the mask's stream only, not on the density. A search keeps them ({@link Cache}),
 * and snaps its density genes to multiples of 1/4096 ({@link #snap}), where the partial level is empty: from its second
 * candidate on, a DARE merge gets its factors without the pass over the inputs that sums the norms. Both ways sum in
 * the same order (levels ascending, each over the kernel's ranges in order), so the factors are the same bit for bit.
 * A merge without a search sums directly: the levels' pass (scattered adds, in the plain loops) took about 3x the time
 * of the direct sums' pass in lanes (1.3 against 0.44 ns an element for two models, in a microbenchmark). The
 * two orders give the same fp32 factor unless the quotient of the norms falls within a double's rounding (about
 * 1e-16) of a point halfway between two fp32 values; none differed in the tests' tensors.
 */
public final class RescaleNorms {
    static final int LEVEL_BITS = 12;
    static final int LEVELS = 1 << LEVEL_BITS;
    /** A merge's direct sums: element e adds to lane e % 16 of the norm before and of the norm after. */
    static final int DIRECT_LANES = 16;
    private static final int BELOW_LEVEL = 24 - LEVEL_BITS; // u x 2^24 has 24 bits

    private RescaleNorms() {
    }

    /** {@code density} on the levels' grid (the nearest multiple of 1/4096): a search's densities, so its norms are kept. */
    public static double snap(double density) {
        return Math.round(density * LEVELS) / (double) LEVELS;
    }

    /** Whether a mask of {@code density} keeps whole levels only (no partial level to sum). */
    static boolean onGrid(float density) {
        return TensorRandom.threshold(density) % (1 << BELOW_LEVEL) == 0;
    }

    /**
     * Adds a chunk's |delta| to {@code levels} (length {@link #LEVELS}) by its stream values' top bits {@code top}
     * ({@link TensorRandom#fillTop}); returns the sum of the chunk's partial level for {@code threshold}.
     */
    static double addLevels(int[] top, float[] delta, int len, int threshold, double[] levels) {
        int boundary = threshold >>> BELOW_LEVEL;
        double partial = 0;
        for (int j = 0; j < len; j++) {
            int t = top[j];
            double a = Math.abs(delta[j]);
            levels[t >>> BELOW_LEVEL] += a;
            if (t >>> BELOW_LEVEL == boundary && t < threshold) { // 1 in 4096 at most: predicted
                partial += a;
            }
        }
        return partial;
    }

    /**
     * Adds a chunk's |delta| (elements {@code [at, at + len)}, {@code at} a multiple of 16) and those kept by the mask
     * of stream {@code key} (values below {@code threshold}; {@code top}: scratch for {@link TensorRandom#fillTop}) to
     * {@code sums}: before in [0, 16), after in [16, 32), lane by lane as {@link NormLanes} adds them (a dropped value
     * adds +0). Four lanes at a time, their eight sums in registers; the kept value is |delta| with its bits and-ed
     * with the compare's sign (a branch on it mispredicted at density 0.5: 5.3 against 1.1 ns an element).
     */
    static void addDirect(long key, long at, int threshold, float[] delta, int len, int[] top, double[] sums) {
        if (at % DIRECT_LANES != 0) {
            throw new IllegalArgumentException("a chunk starts at a multiple of " + DIRECT_LANES + ": " + at);
        }
        TensorRandom.fillTop(key, at, top, len);
        int whole = len - len % DIRECT_LANES;
        for (int lane = 0; lane < DIRECT_LANES; lane += 4) {
            double b0 = sums[lane], b1 = sums[lane + 1], b2 = sums[lane + 2], b3 = sums[lane + 3];
            double k0 = sums[DIRECT_LANES + lane], k1 = sums[DIRECT_LANES + lane + 1];
            double k2 = sums[DIRECT_LANES + lane + 2], k3 = sums[DIRECT_LANES + lane + 3];
            for (int j = lane; j < whole; j += DIRECT_LANES) {
                double a0 = Math.abs(delta[j]), a1 = Math.abs(delta[j + 1]), a2 = Math.abs(delta[j + 2]), a3 = Math.abs(delta[j + 3]);
                b0 += a0;
                b1 += a1;
                b2 += a2;
                b3 += a3;
                k0 += kept(a0, top[j], threshold);
                k1 += kept(a1, top[j + 1], threshold);
                k2 += kept(a2, top[j + 2], threshold);
                k3 += kept(a3, top[j + 3], threshold);
            }
            sums[lane] = b0;
            sums[lane + 1] = b1;
            sums[lane + 2] = b2;
            sums[lane + 3] = b3;
            sums[DIRECT_LANES + lane] = k0;
            sums[DIRECT_LANES + lane + 1] = k1;
            sums[DIRECT_LANES + lane + 2] = k2;
            sums[DIRECT_LANES + lane + 3] = k3;
        }
        for (int j = whole; j < len; j++) {
            double a = Math.abs(delta[j]);
            sums[j - whole] += a;
            sums[DIRECT_LANES + j - whole] += kept(a, top[j], threshold);
        }
    }

    /** {@code a} where the stream's value {@code top} is below {@code threshold} (both in [0, 2^24]), else +0. */
    private static double kept(double a, int top, int threshold) {
        return Double.longBitsToDouble(Double.doubleToRawLongBits(a) & ((top - threshold) >> 31)); // all ones or 0
    }

    /** {before, after} from the ranges' direct sums added lane by lane ({@link #sumRanges}): each lanes in order. */
    static double[] fromDirect(double[] total) {
        double before = 0;
        double after = 0;
        for (int lane = 0; lane < DIRECT_LANES; lane++) {
            before += total[lane];
            after += total[DIRECT_LANES + lane];
        }
        return new double[]{before, after};
    }

    /** {sum of all levels, sum below {@code threshold}'s level + {@code partial}}, each summed with levels ascending. */
    static double[] norms(double[] levels, int threshold, double partial) {
        int boundary = threshold >>> BELOW_LEVEL;
        double before = 0;
        double below = 0;
        for (int q = 0; q < LEVELS; q++) {
            if (q == boundary) {
                below = before;
            }
            before += levels[q];
        }
        return new double[]{before, (boundary == LEVELS ? before : below) + partial};
    }

    /** A random mask's norms from {@code kept} levels, or null where none are kept or {@code density} is off their grid. */
    static double[] fromKept(Cache kept, Cache.Key key, float density) {
        double[] levels = kept == null || !onGrid(density) ? null : kept.get(key);
        return levels == null ? null : norms(levels, TensorRandom.threshold(density), 0);
    }

    /**
     * A random mask's norms from a pass's sums ({@link #addLevels}' levels, then its partial level); the levels go to
     * {@code kept} where it is not null.
     */
    static double[] fromPass(double[] sums, float density, Cache kept, Cache.Key key) {
        double[] levels = Arrays.copyOf(sums, LEVELS);
        if (kept != null) {
            kept.put(key, levels);
        }
        return norms(levels, TensorRandom.threshold(density), sums[LEVELS]);
    }

    /**
     * Adds {sum |delta|, sum |delta * mask|} over a chunk to {@code acc[0]} and {@code acc[1]}, in double: the norms of
     * a mask that is not random. Four partial sums each, every fourth element: one sum's adds wait on each other (4
     * cycles apiece), four run side by side; the order is fixed, so is the result.
     */
    static void addL1(float[] delta, float[] mask, int len, double[] acc) {
        double b0 = 0, b1 = 0, b2 = 0, b3 = 0, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int j = 0;
        for (; j + 3 < len; j += 4) {
            b0 += Math.abs(delta[j]);
            b1 += Math.abs(delta[j + 1]);
            b2 += Math.abs(delta[j + 2]);
            b3 += Math.abs(delta[j + 3]);
            a0 += Math.abs(delta[j] * mask[j]);
            a1 += Math.abs(delta[j + 1] * mask[j + 1]);
            a2 += Math.abs(delta[j + 2] * mask[j + 2]);
            a3 += Math.abs(delta[j + 3] * mask[j + 3]);
        }
        for (; j < len; j++) {
            b0 += Math.abs(delta[j]);
            a0 += Math.abs(delta[j] * mask[j]);
        }
        acc[0] += (b0 + b1) + (b2 + b3);
        acc[1] += (a0 + a1) + (a2 + a3);
    }

    /** The kernel's ranges' sums (null: a range with no elements) added element by element, in range order. */
    static double[] sumRanges(double[][] ranges) {
        double[] total = null;
        for (double[] range : ranges) {
            if (range != null) {
                if (total == null) {
                    total = new double[range.length];
                }
                for (int q = 0; q < range.length; q++) {
                    total[q] += range[q];
                }
            }
        }
        return total;
    }

    /**
     * A search's levels, per mask stream (its key mixes the seed, the model's index and the output tensor's name) and
     * the delta's two tensors (file and name), kept on the heap for the run: {@link #LEVELS} doubles (32 KiB) per tensor
     * and model.
     */
    public static final class Cache {
        private final Map<Key, double[]> levels = new ConcurrentHashMap<>();

        record Key(long stream, Path modelFile, String tensor, Path baseFile, String baseTensor) {
        }

        double[] get(Key key) {
            return levels.get(key);
        }

        void put(Key key, double[] value) {
            levels.put(key, value);
        }

        /** How many (tensor, model) levels are kept. */
        public int size() {
            return levels.size();
        }
    }
}
