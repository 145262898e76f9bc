package dev.amalgam.merge;

import dev.amalgam.merge.CpuFastPath.Mask;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.TensorSlice;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
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
 * agreeing sums (see {@link Elected}; two models take one loop, their contributions in locals). The same fp32 ops in
 * the same order per element as the plain loops; their branch-free signum, min and max forms of the masks are
 * compares and blends here, which differ only where the element's result is NaN anyway. So the same bits:
 * JavaCpuKernelTest. The loops stay small on purpose: past the JIT's node budget a helper is not inlined and every
 * vector it takes or returns is boxed (ties ran 2-3x slower than the plain loops so); and no vector is a static
 * constant (a local one made before the loop is fine): a sum that starts from one is boxed too. Load only where
 * {@link dev.amalgam.safetensors.FloatCodec#lanes()}.
 */
abstract sealed class FamilyLanes implements ChunkLanes {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final long LANE_BITS = (1L << FloatLanes.LANES) - 1; // a mask's bits for a vector's lanes
    private static final int STRIDE = ChunkRanges.CHUNK / FloatLanes.LANES; // a model's masks in the scratch bits (a row)
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

    private FamilyLanes(List<TensorSlice> inputs, Mask[] masks, float[] lower, float[] factor, boolean[] scaled, FamilyCombination family,
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
        return family.consensus() ? new Elected(inputs, masks, lower, factor, scaled, family, drawn)
                : new Summed(inputs, masks, lower, factor, scaled, family, drawn);
    }

    /**
     * Whether the lanes read every input (base first), write {@code encoding} and take these masks: random ones only
     * under TIES' election, every model's (or none, at density 1), with finite factors where {@code scaled}, and at
     * most as many models as the scratch bits hold ({@link Elected#drawAll}: 8 with 16 lanes).
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
        if (bits != null) { // a random mask as drawAll left it; a finite factor (1 unscaled), as in Elected.drawnPair
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

    /**
     * TIES' sign election, in two loops over the chunk: the majority sign of the sum ({@link #signs}, into the scratch
     * array), then the models' contributions that have it, summed and divided by their weights' sum (or 1 where that is
     * +-0), times lambda, added to the base ({@link #results}). A contribution is formed in both (its lanes come from the
     * L2 cache the second time): kept in an array, the JIT would box every vector. Two methods, each compiled on its own
     * (scripts/jvm-flags keeps them from being inlined into chunk): in one, the JIT ran out of its node budget, left the
     * conversions' helpers out of line and boxed every vector (2-3x slower than the plain loops). Two unscaled models
     * (a search's and a merge's usual TIES) take one loop ({@link #pair}), whose results go through the scratch array to
     * their encoding ({@link #stored}): with the store in the loop, its graph passed C2's inlining cutoff (18000 nodes,
     * which a product JVM cannot raise) and the store was left out of line.
     */
    private static final class Elected extends FamilyLanes {
        Elected(List<TensorSlice> inputs, Mask[] masks, float[] lower, float[] factor, boolean[] scaled, FamilyCombination family,
                int[] drawn) {
            super(inputs, masks, lower, factor, scaled, family, drawn);
        }

        @Override
        public long chunk(long at, int vectors, Encoding encoding, MemorySegment window, int[] counted, long[] atMost, long[] below,
                          KernelInputs.Scratch scratch) {
            float[] floats = scratch.mask;
            MemorySegment[] in = inputs(at, vectors);
            if (weights.length == 2 && limits[0] >= 0 && limits[1] >= 0) { // two random masks
                if (drawn != null) { // drawn by the norms' pass
                    drawnPair(in, vectors, drawn, Math.toIntExact(at / FloatLanes.LANES), floats);
                } else {
                    draw(at, vectors, scratch.drawn);
                    drawnPair(in, vectors, scratch.drawn, 0, floats);
                }
                return stored(vectors, encoding, window, floats);
            }
            if (weights.length == 2 && !random && unscaled()) {
                pair(in, vectors, floats, counted, atMost, below);
                return stored(vectors, encoding, window, floats);
            }
            int[] bits = null;
            if (random) { // random masks (and a density-1 model's none), other than two
                bits = scratch.drawn;
                drawAll(at, vectors, bits);
            }
            signs(in, vectors, counted, atMost, below, floats, bits);
            return results(in, vectors, encoding, window, floats, bits);
        }

        /**
         * Two unscaled models in one loop, into {@code results} as fp32, counting the guesses as {@link #count} does:
         * both contributions stay in registers from the sum to the agreeing sums, where {@link #signs} and
         * {@link #results} form each twice (and the majority sign goes through the scratch array): 0.40-0.52 ns an
         * element against 0.70-0.78 in the microbenchmark, 0.46-0.55 against 0.86-1.16 counting both models' guesses.
         * The same ops in the same order per element as those two (the unscaled contribution written out), so the same
         * bits.
         */
        private void pair(MemorySegment[] in, int vectors, float[] results, int[] counted, long[] atMost, long[] below) {
            boolean counting0 = counted != null && counted[0] >= 0;
            boolean counting1 = counted != null && counted[1] >= 0;
            int bound0 = bounds[0];
            int bound1 = bounds[1];
            long atMost0 = 0, below0 = 0, atMost1 = 0, below1 = 0; // the guesses' counts, as count() adds them
            boolean normalize = family.normalize();
            // constants made once: the JIT's inlining stops at a count of the nodes it has made, and each vector made
            // in the loop's body counts anew
            FloatVector zero = FloatVector.zero(FLOATS);
            FloatVector one = FloatVector.broadcast(FLOATS, 1f);
            FloatVector w0 = FloatVector.broadcast(FLOATS, weights[0]);
            FloatVector w1 = FloatVector.broadcast(FLOATS, weights[1]);
            FloatVector t0 = FloatVector.broadcast(FLOATS, thresholds[0]);
            FloatVector t1 = FloatVector.broadcast(FLOATS, thresholds[1]);
            FloatVector lambdas = FloatVector.broadcast(FLOATS, family.lambda());
            for (int j = 0; j < vectors; j += FloatLanes.LANES) {
                FloatVector b = base(in, j);
                FloatVector d0 = delta(0, in, j, b);
                FloatVector d1 = delta(1, in, j, b);
                if (counting0) {
                    IntVector magnitude = d0.reinterpretAsInts().and(0x7FFFFFFF);
                    atMost0 += magnitude.compare(VectorOperators.LE, bound0).trueCount();
                    below0 += magnitude.compare(VectorOperators.LT, bound0).trueCount();
                }
                if (counting1) {
                    IntVector magnitude = d1.reinterpretAsInts().and(0x7FFFFFFF);
                    atMost1 += magnitude.compare(VectorOperators.LE, bound1).trueCount();
                    below1 += magnitude.compare(VectorOperators.LT, bound1).trueCount();
                }
                FloatVector c0 = d0.mul(zero.blend(w0, d0.abs().compare(VectorOperators.GE, t0)));
                FloatVector c1 = d1.mul(zero.blend(w1, d1.abs().compare(VectorOperators.GE, t1)));
                b.add(elected(c0, c1, w0, w1, normalize, zero, one).mul(lambdas)).intoArray(results, j);
            }
            if (counting0) {
                atMost[counted[0]] += atMost0;
                below[counted[0]] += below0;
            }
            if (counting1) {
                atMost[counted[1]] += atMost1;
                below[counted[1]] += below1;
            }
        }

        /**
         * Two models with random masks and finite factors (dare_ties' usual case, rescaled or not) in one loop, into
         * {@code results} as fp32, as {@link #pair} does for magnitude masks. A contribution is (delta * (kept ? f : 0))
         * * w: where kept the plain loops' ((delta * 1) * f) * w, where dropped (delta * 0) * w, a zero (of either sign,
         * see {@link #contribution}) or NaN where the plain loops' (delta * 0) * f * w is one, for a finite f (1 unscaled).
         * The masks come from {@code masks[first...]}, a vector's in one int as {@link #draw} leaves them.
         */
        private void drawnPair(MemorySegment[] in, int vectors, int[] masks, int first, float[] results) {
            boolean normalize = family.normalize();
            FloatVector zero = FloatVector.zero(FLOATS); // constants made once, as in pair
            FloatVector one = FloatVector.broadcast(FLOATS, 1f);
            FloatVector w0 = FloatVector.broadcast(FLOATS, weights[0]);
            FloatVector w1 = FloatVector.broadcast(FLOATS, weights[1]);
            FloatVector f0 = FloatVector.broadcast(FLOATS, factors[0]);
            FloatVector f1 = FloatVector.broadcast(FLOATS, factors[1]);
            FloatVector lambdas = FloatVector.broadcast(FLOATS, family.lambda());
            for (int j = 0, v = first; j < vectors; j += FloatLanes.LANES, v++) {
                FloatVector b = base(in, j);
                VectorMask<Float> kept0 = VectorMask.fromLong(FLOATS, masks[v] & LANE_BITS);
                VectorMask<Float> kept1 = VectorMask.fromLong(FLOATS, masks[v] >>> FloatLanes.LANES);
                FloatVector c0 = delta(0, in, j, b).mul(zero.blend(f0, kept0)).mul(w0);
                FloatVector c1 = delta(1, in, j, b).mul(zero.blend(f1, kept1)).mul(w1);
                b.add(elected(c0, c1, w0, w1, normalize, zero, one).mul(lambdas)).intoArray(results, j);
            }
        }

        /**
         * Both models' random masks over the chunk, a vector's in {@code drawn[v]}: model 0's lanes in its low
         * {@link FloatLanes#LANES} bits, model 1's above them. A loop of its own: drawn in {@link #drawnPair}'s loop,
         * the masks took its graph past C2's inlining cutoff.
         */
        private void draw(long at, int vectors, int[] drawn) {
            LongVector low = RandomLanes.steps(false);
            LongVector high = RandomLanes.steps(true);
            for (int j = 0, v = 0; j < vectors; j += FloatLanes.LANES, v++) {
                drawn[v] = (int) (RandomLanes.bits(keys[0], limits[0], at + j, low, high)
                        | RandomLanes.bits(keys[1], limits[1], at + j, low, high) << FloatLanes.LANES);
            }
        }

        /**
         * Every model's random mask over the chunk, for the shared loops (three models or more, or one): model i's
         * vector v in {@code bits[i * STRIDE + v]}, all lanes kept for a model without a mask (density 1), so that
         * {@link #signs} and {@link #results} read each mask where they drew it twice. Drawn in those loops, three models ran at 2.2x the plain loops' time; from the bits, 0.72x (1.25
         * against 1.74 ns an element in the microbenchmark).
         */
        private void drawAll(long at, int vectors, int[] bits) {
            LongVector low = RandomLanes.steps(false);
            LongVector high = RandomLanes.steps(true);
            for (int i = 0; i < weights.length; i++) {
                long key = keys[i];
                long limit = limits[i];
                int row = i * STRIDE;
                if (limit < 0) { // no mask: delta x (1 x 1) x w is the plain loops' delta x w, bit for bit
                    Arrays.fill(bits, row, row + vectors / FloatLanes.LANES, -1);
                    continue;
                }
                for (int j = 0, v = 0; j < vectors; j += FloatLanes.LANES, v++) {
                    bits[row + v] = (int) RandomLanes.bits(key, limit, at + j, low, high);
                }
            }
        }

        /**
         * TIES' election of two contributions, as {@link #signs} and {@link #results} form it, before lambda: the
         * majority sign of +0 + c0 + c1 (+1 for a sum >= 0, -1 below or NaN), the contributions that have it summed from
         * +0, divided by their weights' sum (or 1 where that is +-0) under {@code normalize}.
         */
        private static FloatVector elected(FloatVector c0, FloatVector c1, FloatVector w0, FloatVector w1, boolean normalize,
                                           FloatVector zero, FloatVector one) {
            FloatVector sign = one.neg().blend(one, zero.add(c0).add(c1).compare(VectorOperators.GE, zero));
            VectorMask<Float> agree0 = c0.mul(sign).compare(VectorOperators.GT, zero);
            VectorMask<Float> agree1 = c1.mul(sign).compare(VectorOperators.GT, zero);
            FloatVector mixed = zero.add(c0.mul(zero.blend(one, agree0))).add(c1.mul(zero.blend(one, agree1)));
            FloatVector agreeing = zero.add(zero.blend(w0, agree0)).add(zero.blend(w1, agree1));
            return normalize ? mixed.div(agreeing.blend(one, agreeing.compare(VectorOperators.EQ, zero))) : mixed;
        }

        /** {@code results[0, vectors)} into {@code window} in {@code encoding}; how many are not finite. */
        private static long stored(int vectors, Encoding encoding, MemorySegment window, float[] results) {
            long nonFinite = 0;
            for (int j = 0; j < vectors; j += FloatLanes.LANES) {
                nonFinite += FloatLanes.store(encoding, FloatVector.fromArray(FLOATS, results, j), window, j);
            }
            return nonFinite;
        }

        /** The majority sign per element into {@code majority}: +1 for a sum >= 0 (a tie at zero too), -1 below. */
        private void signs(MemorySegment[] in, int vectors, int[] counted, long[] atMost, long[] below, float[] majority, int[] bits) {
            for (int j = 0, v = 0; j < vectors; j += FloatLanes.LANES, v++) {
                FloatVector sum = sum(in, j, base(in, j), counted, atMost, below, bits, v);
                // -1 for NaN too, as the DJL path (the element's result is NaN then)
                FloatVector.broadcast(FLOATS, -1f).blend(1f, sum.compare(VectorOperators.GE, 0f)).intoArray(majority, j);
            }
        }

        private long results(MemorySegment[] in, int vectors, Encoding encoding, MemorySegment window, float[] majority, int[] bits) {
            float lambda = family.lambda();
            boolean normalize = family.normalize();
            long nonFinite = 0;
            for (int j = 0, v = 0; j < vectors; j += FloatLanes.LANES, v++) {
                FloatVector b = base(in, j);
                FloatVector sign = FloatVector.fromArray(FLOATS, majority, j);
                FloatVector mixed = FloatVector.zero(FLOATS);
                FloatVector agreeing = FloatVector.zero(FLOATS);
                for (int i = 0; i < weights.length; i++) {
                    FloatVector c = contribution(i, delta(i, in, j, b), bits, v);
                    // 1 where c has the majority's sign (never for 0), else 0; the plain loops' NaN for a NaN c changes
                    // nothing: mixed is NaN either way, and so is the result
                    VectorMask<Float> agree = c.mul(sign).compare(VectorOperators.GT, 0f);
                    mixed = mixed.add(c.mul(FloatVector.zero(FLOATS).blend(1f, agree)));
                    agreeing = agreeing.add(weighted(i, agree));
                }
                // the agreeing weights' sum, or 0 + 1 = 1 where it is (+-)0 (x + 0 is x otherwise)
                FloatVector kept = normalize ? mixed.div(agreeing.blend(1f, agreeing.compare(VectorOperators.EQ, 0f))) : mixed;
                nonFinite += FloatLanes.store(encoding, b.add(kept.mul(lambda)), window, j);
            }
            return nonFinite;
        }
    }
}
