package dev.amalgam.merge;

import dev.amalgam.merge.CpuFastPath.Mask;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.TensorSlice;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The task-arithmetic family's result pass ({@link JavaCpuKernel}'s final pass, {@link FamilyCombination#combine}) a
 * vector of lanes at a time ({@link FloatLanes}), from the mapped inputs into the target's memory: each model's
 * delta, mask (none, TIES' magnitude mask, and under TIES' election DARE's random one, drawn by
 * {@link RandomLanes}) and weighted contribution, TIES' sign election, the division and lambda, the non-finite count,
 * a threshold guess's counts and the encoded store, in registers. No array of vectors (the JIT would box them): with a
 * sign election over more than two models, a model's contribution is formed once for the sum and again for the
 * agreeing sums (see {@link ElectedLanes}; two models take one loop, their contributions in locals). The same fp32 ops in
 * the same order per element as the plain loops; their branch-free signum, min and max forms of the masks are
 * compares and blends here, which differ only where the element's result is NaN anyway. So the same bits:
 * JavaCpuKernelTest. The loops stay small on purpose: past the JIT's node budget a helper is not inlined and every
 * vector it takes or returns is boxed (ties ran 2-3x slower than the plain loops so); and no vector is a static
 * constant (a local one made before the loop is fine): a sum that starts from one is boxed too. Load only where
 * {@link dev.amalgam.safetensors.FloatCodec#lanes()}.
 */
abstract sealed class FamilyLanes implements ChunkLanes permits FamilyLanes.Summed, ElectedLanes {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    static final long LANE_BITS = (1L << FloatLanes.LANES) - 1; // a mask's bits for a vector's lanes
    static final int STRIDE = ChunkRanges.CHUNK / FloatLanes.LANES; // a model's masks in the scratch bits (a row)
    private final MemorySegment base;
    private final DType baseType;
    private final MemorySegment[] data; // per model
    private final DType[] dtypes;
    final float[] thresholds; // per model, as compared with |delta|: -inf keeps every delta (no mask), NaN none
    final long[] keys; // per model, a random mask's stream (TensorRandom.streamKey)
    final long[] limits; // per model, a random mask's TensorRandom.threshold, or -1 where the mask is not random
    final float[] factors; // 1 where the model is not rescaled (kept * 1 is kept, bit for bit)
    final int[] bounds; // per model, |threshold|'s bits, for a guess's counts
    final float[] weights;
    final FamilyCombination family;
    final int[] drawn; // two random masks over the tensor, as NormLanes drew them (vector v's in drawn[v]), or null
    final boolean random; // whether any model's mask is random

    FamilyLanes(List<TensorSlice> inputs, Mask[] masks, float[] lower, float[] factor, boolean[] scaled, FamilyCombination family,
                        int[] drawn) {
        int models = masks.length;
        this.base = inputs.getFirst().data();
        this.baseType = inputs.getFirst().dtype();
        this.data = inputs.subList(1, inputs.size()).stream().map(TensorSlice::data).toArray(MemorySegment[]::new);
        this.dtypes = inputs.subList(1, inputs.size()).stream().map(TensorSlice::dtype).toArray(DType[]::new);
        this.thresholds = new float[models];
        this.keys = new long[models];
        this.limits = new long[models];
        this.factors = new float[models];
        this.bounds = new int[models];
        for (int i = 0; i < models; i++) {
            limits[i] = -1;
            // The plain loops keep a delta where |delta| - t >= 0: that holds for every delta at t = -inf and for none
            // (NaN) at t = +inf, a mask of k = 0 included. |delta| >= t is the same test with one op less, but for
            // |delta| = t = +inf, which NaN as t leaves out again.
            float t = switch (masks[i]) {
                case Mask.None() -> Float.NEGATIVE_INFINITY;
                case Mask.Magnitude(long k) -> k > 0 ? lower[i] : Float.POSITIVE_INFINITY;
                case Mask.Random(long key, float density) -> {
                    keys[i] = key;
                    limits[i] = TensorRandom.threshold(density);
                    yield Float.NaN; // not compared
                }
            };
            thresholds[i] = t == Float.POSITIVE_INFINITY ? Float.NaN : t;
            factors[i] = scaled[i] ? factor[i] : 1f;
            bounds[i] = Float.floatToRawIntBits(lower[i]) & 0x7FFFFFFF;
        }
        this.weights = family.weights();
        this.family = family;
        this.drawn = drawn;
        this.random = Arrays.stream(limits).anyMatch(limit -> limit >= 0);
    }

    /**
     * The lanes for these inputs (base first) and JavaCpuKernel's per-model arrays, with TIES' sign election or without;
     * {@code drawn}: two random masks as the norms' pass drew them (see {@link NormLanes#model}), or null.
     */
    static FamilyLanes of(List<TensorSlice> inputs, Mask[] masks, float[] lower, float[] factor, boolean[] scaled, FamilyCombination family,
                          int[] drawn) {
        return family.consensus() ? new ElectedLanes(inputs, masks, lower, factor, scaled, family, drawn)
                : new Summed(inputs, masks, lower, factor, scaled, family, drawn);
    }

    /**
     * Whether the lanes read every input (base first), write {@code encoding} and take these masks: random ones only
     * under TIES' election, every model's (or none, at density 1), with finite factors where {@code scaled}, and at
     * most as many models as the scratch bits hold ({@link ElectedLanes#drawAll}: 8 with 16 lanes).
     */
    static boolean serves(List<TensorSlice> inputs, Mask[] masks, float[] factor, boolean[] scaled, boolean consensus, Encoding encoding) {
        boolean random = Arrays.stream(masks).anyMatch(m -> m instanceof Mask.Random);
        boolean drawn = RandomLanes.serves() && consensus && masks.length * STRIDE <= KernelInputs.Scratch.DRAWN
                && Arrays.stream(masks).allMatch(m -> m instanceof Mask.Random || m instanceof Mask.None)
                && IntStream.range(0, masks.length).allMatch(i -> !scaled[i] || Float.isFinite(factor[i]));
        return encoding != null && FloatLanes.encodes(encoding) && inputs.stream().allMatch(s -> FloatLanes.widens(s.dtype()))
                && (!random || drawn);
    }

    /** The inputs' elements {@code [at, at + vectors)}, the base's, then each model's ({@link FloatLanes#elements}). */
    final MemorySegment[] inputs(long at, int vectors) {
        MemorySegment[] inputs = new MemorySegment[data.length + 1];
        inputs[0] = FloatLanes.elements(baseType, base, at, vectors);
        for (int i = 0; i < data.length; i++) {
            inputs[i + 1] = FloatLanes.elements(dtypes[i], data[i], at, vectors);
        }
        return inputs;
    }

    /** The base's lanes from element {@code j} of the chunk on ({@code in}: {@link #inputs}). */
    final FloatVector base(MemorySegment[] in, int j) {
        return FloatLanes.widen(baseType, in[0], j);
    }

    /** Model i's delta from element {@code j} of the chunk on, {@code b} the base's lanes there. */
    final FloatVector delta(int i, MemorySegment[] in, int j, FloatVector b) {
        return FloatLanes.widen(dtypes[i], in[i + 1], j).sub(b);
    }

    /** Where {@code counted[i]} is not -1, adds model i's |delta| at most and below its threshold to the counts. */
    final void count(int i, FloatVector delta, int[] counted, long[] atMost, long[] below) {
        if (counted != null && counted[i] >= 0) {
            IntVector magnitude = delta.reinterpretAsInts().and(0x7FFFFFFF);
            atMost[counted[i]] += magnitude.compare(VectorOperators.LE, bounds[i]).trueCount();
            below[counted[i]] += magnitude.compare(VectorOperators.LT, bounds[i]).trueCount();
        }
    }

    /**
     * Model i's weighted, masked delta at vector {@code v} of the chunk, as JavaCpuKernel's contribution forms it per
     * element: the mask (a random one from {@code bits}, where not null; a magnitude mask 1 where |delta| >= threshold,
     * else 0: the plain loops' min(1, signum(|delta| - t) + 1) is NaN where the difference is, which only a NaN delta
     * or infinite minus infinite makes: times 0 that is NaN too), the factor, the weight.
     */
    final FloatVector contribution(int i, FloatVector delta, int[] bits, int v) {
        if (bits != null) { // a random mask as drawAll left it; a finite factor (1 unscaled), as in ElectedLanes.drawnPair
            VectorMask<Float> drawnMask = VectorMask.fromLong(FLOATS, bits[i * STRIDE + v]);
            return delta.mul(FloatVector.zero(FLOATS).blend(factors[i], drawnMask)).mul(weights[i]);
        }
        VectorMask<Float> kept = delta.abs().compare(VectorOperators.GE, thresholds[i]);
        if (factors[i] == 1f) {
            // (delta * mask) * 1 * weight is delta * (mask * weight): the same product where kept, and a zero or (for an
            // infinite delta) NaN where dropped. Such a zero's sign may differ, which no result shows: every sum starts
            // at +0, and +0 + -0 is +0
            return delta.mul(weighted(i, kept));
        }
        return delta.mul(FloatVector.zero(FLOATS).blend(1f, kept)).mul(factors[i]).mul(weights[i]);
    }

    /** Whether no model is rescaled. */
    final boolean unscaled() {
        for (float f : factors) {
            if (f != 1f) {
                return false;
            }
        }
        return true;
    }

    /** Model i's weight where {@code kept}, else 0: the plain loops' mask (1 or 0) times the weight, up to a zero's sign. */
    final FloatVector weighted(int i, VectorMask<Float> kept) {
        return FloatVector.zero(FLOATS).blend(weights[i], kept);
    }

    /**
     * +0 + c0 + c1 + ... from element {@code j} of the chunk on, vector {@code v} ({@code b} the base's lanes there;
     * {@code bits}: random masks, or null), counting the guesses as
     * {@link #count} does. The sum starts at +0, as libtorch's (0 + -0 is +0); FamilyCombination's (0 + before) + c adds
     * the same.
     */
    final FloatVector sum(MemorySegment[] in, int j, FloatVector b, int[] counted, long[] atMost, long[] below, int[] bits, int v) {
        FloatVector sum = FloatVector.zero(FLOATS);
        for (int i = 0; i < weights.length; i++) {
            FloatVector delta = delta(i, in, j, b);
            count(i, delta, counted, atMost, below);
            sum = sum.add(contribution(i, delta, bits, v));
        }
        return sum;
    }

    /** Without a sign election: base + (+0 + c0 + c1 + ...) / divisor * lambda. */
    private static final class Summed extends FamilyLanes {
        Summed(List<TensorSlice> inputs, Mask[] masks, float[] lower, float[] factor, boolean[] scaled, FamilyCombination family,
               int[] drawn) {
            super(inputs, masks, lower, factor, scaled, family, drawn);
        }

        @Override
        public long chunk(long at, int vectors, Encoding encoding, MemorySegment window, int[] counted, long[] atMost, long[] below,
                          KernelInputs.Scratch scratch) {
            float lambda = family.lambda();
            float divisor = family.normalize() ? family.scalarDivisor() : 1f; // x / 1 is x, bit for bit
            MemorySegment[] in = inputs(at, vectors);
            long nonFinite = 0;
            for (int j = 0; j < vectors; j += FloatLanes.LANES) {
                FloatVector b = base(in, j);
                FloatVector sum = sum(in, j, b, counted, atMost, below, null, 0);
                nonFinite += FloatLanes.store(encoding, b.add(sum.div(divisor).mul(lambda)), window, j);
            }
            return nonFinite;
        }
    }
}
