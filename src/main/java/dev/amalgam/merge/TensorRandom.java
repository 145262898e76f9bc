package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Per-tensor uniform random numbers for the random masks (DARE, DELLA) and arcee_fusion's subsample. The stream is seeded from
 * (merge seed, model index, tensor name) alone, so a mask is reproducible, does not depend on the
 * order in which tensors are merged (mergekit's global torch RNG does), and can be recomputed
 * outside DJL. A mask is then {@code u < p}.
 */
public final class TensorRandom {
    /** {@link SplittableRandom}'s increment for a stream made with {@code new SplittableRandom(seed)}. */
    static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    /** {@link #mix64}'s two multipliers ({@link RandomLanes} draws the same numbers in lanes). */
    static final long MIX_1 = 0xbf58476d1ce4e5b9L;
    static final long MIX_2 = 0x94d049bb133111ebL;
    private static final int CHUNK = 1 << 16; // below this, one thread
    /**
     * i x the increment for i in [0, BLOCK): value i of a block is mix64(start + STEPS[i]). The JIT vectorizes that loop
     * (several mix64 at once), but not one that carries the state from element to element or multiplies the index: 4x.
     */
    private static final int BLOCK = 1 << 14;
    private static final long[] STEPS = new long[BLOCK];

    static {
        for (int i = 0; i < BLOCK; i++) {
            STEPS[i] = i * GOLDEN_GAMMA;
        }
    }

    private TensorRandom() {
    }

    /**
     * {@code count} floats uniform in [0, 1), each a multiple of 2^-24 (exact in fp32): the top 24 bits of the
     * {@link SplittableRandom} stream of the tensor's key. That stream is counter-based (value i is
     * {@code mix64(key + (i + 1) * gamma)}), so chunks are filled on all cores with the very same numbers as a
     * sequential {@code nextLong()} loop; a DARE/DELLA candidate regenerates its masks' numbers at memory speed.
     */
    public static float[] uniform(long seed, int modelIndex, String tensorName, int count) {
        long key = streamKey(seed, modelIndex, tensorName);
        float[] u = new float[count];
        int chunks = Math.max(1, Math.min(count / CHUNK, 4 * Runtime.getRuntime().availableProcessors()));
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int from = (int) ((long) count * c / chunks);
            int to = (int) ((long) count * (c + 1) / chunks);
            fill(key, from, u, from, to - from);
        });
        return u;
    }

    /**
     * Values {@code [from, from + count)} of the stream of {@code key} ({@link #streamKey}) into {@code out[at...]}: the
     * same numbers {@link #uniform(long, int, String, int)} puts there, for kernels that work on one chunk at a time.
     */
    static void fill(long key, long from, float[] out, int at, int count) {
        for (int done = 0; done < count; done += BLOCK) {
            long start = key + (from + done + 1L) * GOLDEN_GAMMA;
            int n = Math.min(BLOCK, count - done);
            int offset = at + done;
            for (int i = 0; i < n; i++) {
                out[offset + i] = (mix64(start + STEPS[i]) >>> 40) * 0x1.0p-24f; // top 24 bits: every value representable
            }
        }
    }

    /**
     * A random mask applied as it is drawn: {@code out[i] = (x[i] - base[i]) * mask[i] * factor * w}, the products
     * rounded one at a time in that order ({@code rescaled} false: without the factor). mask[i] is 1 where value
     * {@code from + i} of the stream of {@code key} ({@link #fill}'s uniform u) is below {@code density}, else 0. On the
     * integers: u = top * 2^-24 with top the value's top 24 bits, and u < density exactly when top < ceil(density * 2^24)
     * (a product that is exact in double). The JIT vectorizes the loop (several mix64 at once) only when it may unroll a
     * body this large ({@code -XX:LoopUnrollLimit} in scripts/jvm-flags; at the default it runs scalar, about 5x slower,
     * and drawing the mask into an array first, then applying it, took 1.25x the time of this one loop).
     */
    static void thin(long key, long from, float density, float[] x, float[] base, boolean rescaled, float factor, float w,
                     float[] out, int count) {
        long threshold = threshold(density);
        float f = rescaled ? factor : 1f; // kept * 1 is kept, bit for bit (NaN included)
        for (int done = 0; done < count; done += BLOCK) {
            long start = key + (from + done + 1L) * GOLDEN_GAMMA;
            int n = Math.min(BLOCK, count - done);
            for (int i = 0; i < n; i++) {
                float mask = ((mix64(start + STEPS[i]) >>> 40) - threshold) >>> 63;
                out[done + i] = (x[done + i] - base[done + i]) * mask * f * w;
            }
        }
    }

    /**
     * The top 24 bits of values {@code [from, from + count)} of the stream of {@code key} into {@code out[0..count)}:
     * {@link #thin}'s integers, u x 2^24, for {@link RescaleNorms}' levels.
     */
    static void fillTop(long key, long from, int[] out, int count) {
        for (int done = 0; done < count; done += BLOCK) {
            long start = key + (from + done + 1L) * GOLDEN_GAMMA;
            int n = Math.min(BLOCK, count - done);
            for (int i = 0; i < n; i++) {
                out[done + i] = (int) (mix64(start + STEPS[i]) >>> 40);
            }
        }
    }

    /** ceil(density x 2^24): a value of the stream is kept by a mask of {@code density} when its top 24 bits are below it. */
    static int threshold(float density) {
        return (int) Math.ceil(density * 0x1p24);
    }

    /** {@code count} indices uniform in [0, bound), drawn with replacement (for subsampling a tensor). */
    public static long[] indices(long seed, int modelIndex, String tensorName, int count, long bound) {
        SplittableRandom random = new SplittableRandom(streamKey(seed, modelIndex, tensorName));
        long[] indices = new long[count];
        for (int i = 0; i < count; i++) {
            indices[i] = random.nextLong(bound);
        }
        return indices;
    }

    /** The same numbers as {@link #uniform(long, int, String, int)}, row-major in {@code shape}. */
    public static NDArray uniform(NDManager manager, long seed, int modelIndex, String tensorName, Shape shape) {
        return manager.create(uniform(seed, modelIndex, tensorName, Math.toIntExact(shape.size())), shape);
    }

    /** Mixes the three inputs; the name goes through a 64-bit hash of its UTF-8 bytes (not String.hashCode). */
    static long streamKey(long seed, int modelIndex, String tensorName) {
        long nameHash = 0xcbf29ce484222325L; // FNV-1a 64
        for (byte b : tensorName.getBytes(StandardCharsets.UTF_8)) {
            nameHash = (nameHash ^ (b & 0xff)) * 0x100000001b3L;
        }
        long key = mix64(seed);
        key = mix64(key ^ (0x9e3779b97f4a7c15L * (modelIndex + 1L)));
        return mix64(key ^ mix64(nameHash));
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer: a bijection with full avalanche (SplittableRandom's mix64). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * MIX_1;
        z = (z ^ (z >>> 27)) * MIX_2;
        return z ^ (z >>> 31);
    }
}
