package dev.amalgam.merge;

import dev.amalgam.merge.CpuFastPath.Mask;
import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.TensorSlice;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * {@link FamilyLanes}' result pass with TIES' sign election, in two loops over the chunk: the majority sign of the sum
 * ({@link #signs}, into the scratch array), then the models' contributions that have it, summed and divided by their
 * weights' sum (or 1 where that is +-0), times lambda, added to the base ({@link #results}). A contribution is formed
 * in both (its lanes come from the L2 cache the second time): kept in an array, the JIT would box every vector. Two
 * methods, each compiled on its own (scripts/jvm-flags keeps them from being inlined into chunk): in one, the JIT ran
 * out of its node budget, left the conversions' helpers out of line and boxed every vector (2-3x slower than the plain
 * loops). Two unscaled models (a search's and a merge's usual TIES) take one loop ({@link #pair}), whose results go
 * through the scratch array to their encoding ({@link #stored}): with the store in the loop, its graph passed C2's
 * inlining cutoff (18000 nodes, which a product JVM cannot raise) and the store was left out of line.
 */
final class ElectedLanes extends FamilyLanes {
    ElectedLanes(List<TensorSlice> inputs, Mask[] masks, float[] lower, float[] factor, boolean[] scaled, FamilyCombination family,
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
            long tallies = pair(in, vectors, floats);
            for (int m = 0; m < 2; m++) { // a NaN lies above the bound: neither at most the guess nor below it
                if (counted != null && counted[m] >= 0) {
                    atMost[counted[m]] += vectors - (tallies >>> 32 * m & 0xFFFF);
                    below[counted[m]] += vectors - (tallies >>> 32 * m + 16 & 0xFFFF);
                }
            }
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
     * Two unscaled models in one loop, into {@code results} as fp32: both contributions stay in registers from the sum
     * to the agreeing sums, where {@link #signs} and {@link #results} form each twice (and the majority sign goes
     * through the scratch array): 0.40-0.52 ns an element against 0.70-0.78 in the microbenchmark. The same bits as
     * those two: the unscaled contribution written out, and the election as {@link #elected} forms it. A delta is kept
     * where the bits of |delta| reach its {@link #keepBound}. Returns, 16 bits each from bit 0 up, model 0's count of
     * |delta| above its bound and at or above it, then model 1's (from bit 32): a guess's counts ({@link #count}), which
     * the caller adds where a guess needs them. Counted in every call and added by the caller: with the counts behind
     * a branch here, C2 compiled the loop for the tensors it had seen (a guess's, or none's) and threw it away at the
     * first of the other kind (an uncommon trap), and every thread waited for a new compile of it: a one-shot merge of
     * fine-tune-like 1.1B models, whose norms have no guess, took 5.7-7.2 s so, 4.1-5.5 s now.
     */
    private long pair(MemorySegment[] in, int vectors, float[] results) {
        int keep0 = keepBound(thresholds[0]);
        int keep1 = keepBound(thresholds[1]);
        boolean normalize = family.normalize();
        // constants made once: the JIT's inlining stops at a count of the nodes it has made, and each vector made
        // in the loop's body counts anew
        FloatVector zero = FloatVector.zero(FLOATS);
        FloatVector one = FloatVector.broadcast(FLOATS, 1f);
        FloatVector w0 = FloatVector.broadcast(FLOATS, weights[0]);
        FloatVector w1 = FloatVector.broadcast(FLOATS, weights[1]);
        FloatVector lambdas = FloatVector.broadcast(FLOATS, family.lambda());
        IntVector each = IntVector.broadcast(FloatLanes.INTS, 1);
        IntVector above0 = IntVector.zero(FloatLanes.INTS); // per lane, the chunk's |delta| above the bound and at or above it
        IntVector atLeast0 = above0;
        IntVector above1 = above0;
        IntVector atLeast1 = above0;
        for (int j = 0; j < vectors; j += FloatLanes.LANES) {
            FloatVector b = base(in, j);
            FloatVector d0 = delta(0, in, j, b);
            FloatVector d1 = delta(1, in, j, b);
            IntVector magnitude0 = d0.reinterpretAsInts().and(0x7FFFFFFF);
            IntVector magnitude1 = d1.reinterpretAsInts().and(0x7FFFFFFF);
            VectorMask<Integer> kept0 = magnitude0.compare(VectorOperators.GE, keep0);
            VectorMask<Integer> kept1 = magnitude1.compare(VectorOperators.GE, keep1);
            above0 = above0.add(each, magnitude0.compare(VectorOperators.GT, keep0));
            atLeast0 = atLeast0.add(each, kept0);
            above1 = above1.add(each, magnitude1.compare(VectorOperators.GT, keep1));
            atLeast1 = atLeast1.add(each, kept1);
            FloatVector c0 = d0.mul(zero.blend(w0, kept0.cast(FLOATS)));
            FloatVector c1 = d1.mul(zero.blend(w1, kept1.cast(FLOATS)));
            b.add(elected(c0, c1, w0, w1, normalize, zero, one).mul(lambdas)).intoArray(results, j);
        }
        // each count is at most vectors <= CHUNK = 2^14
        return (long) above0.reduceLanes(VectorOperators.ADD) | (long) atLeast0.reduceLanes(VectorOperators.ADD) << 16
                | (long) above1.reduceLanes(VectorOperators.ADD) << 32 | (long) atLeast1.reduceLanes(VectorOperators.ADD) << 48;
    }

    /**
     * The bits of |delta| from which {@link #pair} keeps a delta, for a {@link #thresholds} entry: a guess's or a
     * threshold's own bits (|delta| >= t, as the bits of non-negative floats order as their values), 0 to keep every
     * delta (-inf), and the largest int to keep none (NaN). A NaN delta is kept where its bits reach the bound; kept
     * (NaN x w) or not (NaN x 0), its contribution is the same NaN, and so is the element's result.
     */
    private static int keepBound(float threshold) {
        if (Float.isNaN(threshold)) {
            return Integer.MAX_VALUE;
        }
        return threshold == Float.NEGATIVE_INFINITY ? 0 : Float.floatToRawIntBits(threshold) & 0x7FFFFFFF;
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
     * {@link #signs} and {@link #results} read each mask where they drew it twice. Drawn in those loops, three models
     * ran at 2.2x the plain loops' time; from the bits, 0.72x (1.25 against 1.74 ns an element in the microbenchmark).
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
     * +0, divided by their weights' sum (or 1 where that is +-0) under {@code normalize}. In 15 vector ops where those
     * loops' form took 21 (the two-model loops 10% faster in the microbenchmark: 4.4 against 4.9-5.2 ms a 5632 x 2048
     * tensor), with the same bits but a NaN's sign and payload. The sign bit of c0 + c1 is the majority's: without the
     * +0 the sum differs only where both are zeros, which agree with no sign. Where the sum is not NaN, a contribution
     * that does not agree is finite (an infinite one sets the sum's sign): those loops add it times 0, a zero, which
     * changes no sum that starts at +0, so a masked add of the agreeing ones gives the same. Where the sum is NaN, those
     * loops' result is NaN (a NaN contribution, or infinities of both signs, one of which does not agree and is
     * multiplied by 0), and so is this one.
     */
    private static FloatVector elected(FloatVector c0, FloatVector c1, FloatVector w0, FloatVector w1, boolean normalize,
                                       FloatVector zero, FloatVector one) {
        FloatVector sum = c0.add(c1);
        IntVector minus = sum.reinterpretAsInts().and(0x80000000);
        // c agrees where it has the sum's sign and is not a zero: its bits xor the sum's sign bit, above 0 as an int
        VectorMask<Float> agree0 = c0.reinterpretAsInts().lanewise(VectorOperators.XOR, minus)
                .compare(VectorOperators.GT, 0).cast(FLOATS);
        VectorMask<Float> agree1 = c1.reinterpretAsInts().lanewise(VectorOperators.XOR, minus)
                .compare(VectorOperators.GT, 0).cast(FLOATS);
        FloatVector mixed = zero.add(c0, agree0).add(c1, agree1).blend(sum, sum.test(VectorOperators.IS_NAN));
        if (!normalize) {
            return mixed;
        }
        FloatVector agreeing = zero.add(w0, agree0).add(w1, agree1);
        return mixed.div(agreeing.blend(one, agreeing.compare(VectorOperators.EQ, zero)));
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
