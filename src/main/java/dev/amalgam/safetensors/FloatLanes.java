package dev.amalgam.safetensors;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * {@link FloatCodec}'s bf16 and fp32 conversions a vector of lanes at a time, with the JDK's Vector API, for kernels that
 * read their inputs and write their result in one loop: a value goes from the mapped file to its destination in
 * registers, where the plain loops pass it through an fp32 array twice (widened, then combined, then narrowed). Load
 * only where {@link FloatCodec#lanes()} is true. The results are FloatCodec's, bit for bit (FloatLanesTest).
 */
public final class FloatLanes {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** bf16 halves of one FloatVector's lanes: half its bits. */
    private static final VectorSpecies<Short> HALVES = VectorSpecies.of(short.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
    /** A FloatVector's lanes as ints: {@link #widen}'s bits, and a lanes kernel's per-lane counts. */
    public static final VectorSpecies<Integer> INTS = FLOATS.vectorShape().withLanes(int.class);
    /** Elements a vector holds (16 with AVX-512, 8 with AVX2). */
    public static final int LANES = FLOATS.length();

    private FloatLanes() {
    }

    /** Whether {@link #widen} reads {@code dtype}. */
    public static boolean widens(DType dtype) {
        return dtype == DType.BF16 || dtype == DType.F32;
    }

    /** Whether {@link #store} writes {@code encoding}: bf16 or fp32 files, bf16 values kept in fp32. */
    public static boolean encodes(Encoding encoding) {
        return widens(encoding.rounded()) && widens(encoding.stored())
                && !(encoding.rounded() == DType.F32 && encoding.stored() == DType.BF16);
    }

    /**
     * Elements {@code [from, from + count)} of {@code src}, little-endian {@code dtype}: a chunk's inputs, which a lanes
     * loop reads from element 0 on. Read from the whole tensors at {@code at + j} (a long offset, whose range checks C2
     * compiles as a loop nest), TIES' two-model loop (dev.amalgam.merge.ElectedLanes#pair) was compiled with a
     * profiled loop predicate that failed on later chunks: C2 recompiled it about 100 times a merge, each time after a
     * chunk in the interpreter (a one-shot ties merge of fine-tune-like 1.1B models took 12.6-15.3 s in 6 of 8 runs,
     * against 4.9-6.7 s in 14 of 14 from slices). Which check the predicate hoisted is not known.
     */
    public static MemorySegment elements(DType dtype, MemorySegment src, long from, long count) {
        return src.asSlice(from * dtype.byteSize(), count * dtype.byteSize());
    }

    /** Elements {@code [at, at + LANES)} of {@code src}, little-endian {@code dtype} (see {@link #widens}), as fp32. */
    public static FloatVector widen(DType dtype, MemorySegment src, long at) {
        if (dtype == DType.F32) {
            return FloatVector.fromMemorySegment(FLOATS, src, at * 4, ByteOrder.LITTLE_ENDIAN);
        }
        ShortVector halves = ShortVector.fromMemorySegment(HALVES, src, at * 2, ByteOrder.LITTLE_ENDIAN);
        // bf16 is the top half of an fp32: zero-extended and shifted into place
        return ((IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, INTS, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Stores {@code values} as {@code encoding} (see {@link #encodes}) at elements {@code [at, at + LANES)} of {@code dst}:
     * bf16 rounded to nearest even, a NaN kept quiet with its top bits, as {@link FloatCodec#floatToBf16}. Returns how
     * many of the values are NaN or infinite.
     */
    public static int store(Encoding encoding, FloatVector values, MemorySegment dst, long at) {
        IntVector bits = values.reinterpretAsInts();
        IntVector magnitude = bits.and(0x7FFFFFFF);
        int nonFinite = magnitude.compare(VectorOperators.GE, 0x7F800000).trueCount();
        if (encoding.rounded() == DType.F32) {
            values.intoMemorySegment(dst, at * 4, ByteOrder.LITTLE_ENDIAN);
            return nonFinite;
        }
        VectorMask<Integer> nan = magnitude.compare(VectorOperators.GT, 0x7F800000);
        IntVector top = bits.lanewise(VectorOperators.LSHR, 16);
        IntVector half = bits.add(top.and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16).blend(top.or(0x0040), nan);
        if (encoding.stored() == DType.F32) {
            half.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoMemorySegment(dst, at * 4, ByteOrder.LITTLE_ENDIAN);
        } else {
            ((ShortVector) half.convertShape(VectorOperators.I2S, HALVES, 0)).intoMemorySegment(dst, at * 2, ByteOrder.LITTLE_ENDIAN);
        }
        return nonFinite;
    }
}
