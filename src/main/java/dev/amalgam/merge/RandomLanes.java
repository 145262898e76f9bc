package dev.amalgam.merge;

import dev.amalgam.safetensors.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A DARE mask ({@link TensorRandom#thin}'s) a vector of lanes at a time: the stream's values for the lanes' elements
 * drawn in two vectors of longs (half as many lanes as a float vector has), each value's top 24 bits compared with the
 * mask's limit, the two compares' bits joined into one mask over the float lanes. The same values as the plain loops,
 * so the same mask (DareLanesTest, JavaCpuKernelTest). Load only where
 * {@link dev.amalgam.safetensors.FloatCodec#lanes()}; the methods are always inlined (scripts/jvm-flags): a vector a
 * helper takes or returns out of line is boxed.
 */
final class RandomLanes {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LONGS = FLOATS.vectorShape().withLanes(long.class);
    /** l x the stream's increment, for the lanes l of a float vector: the low half's, then the high half's. */
    private static final long[] STEPS = new long[FloatLanes.LANES];

    static {
        for (int l = 0; l < STEPS.length; l++) {
            STEPS[l] = l * TensorRandom.GOLDEN_GAMMA;
        }
    }

    private RandomLanes() {
    }

    /**
     * Whether the masks are drawn in lanes here: with AVX2's 8 float lanes or AVX-512's 16 (measured with
     * {@code -XX:UseAVX=2}: dare_ties' pair at 1.13 ns an element against the plain loops' 2.68); narrower vectors
     * leave it to the plain loops.
     */
    static boolean serves() {
        return FloatLanes.LANES >= 8;
    }

    /** The lanes' steps: the low half's ({@code high} false) or the high half's; made before a loop, not in it. */
    static LongVector steps(boolean high) {
        return LongVector.fromArray(LONGS, STEPS, high ? LONGS.length() : 0);
    }

    /**
     * The mask of the stream {@code key} over elements {@code [e, e + LANES)}, as bits (lane l: bit l; a mask by
     * {@code VectorMask.fromLong}): a lane is kept where its value's top 24 bits are below {@code limit}
     * ({@link TensorRandom#threshold}). {@code low} and {@code high}: {@link #steps}.
     */
    static long bits(long key, long limit, long e, LongVector low, LongVector high) {
        long start = key + (e + 1) * TensorRandom.GOLDEN_GAMMA; // value e's counter, as TensorRandom.thin's
        return below(low.add(start), limit) | below(high.add(start), limit) << LONGS.length();
    }

    /** The lanes whose mix64 of {@code z} has its top 24 bits below {@code limit}, as bits (lane l: bit l). */
    private static long below(LongVector z, long limit) {
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(TensorRandom.MIX_1);
        z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(TensorRandom.MIX_2);
        // mix64's last step, z ^ (z >>> 31), changes bits 0-32 only: the top 24 bits are already the value's
        return z.lanewise(VectorOperators.LSHR, 40).compare(VectorOperators.LT, limit).toLong();
    }
}
