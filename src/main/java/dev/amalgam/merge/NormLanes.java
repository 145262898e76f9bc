package dev.amalgam.merge;

import dev.amalgam.merge.CpuFastPath.Mask;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.TensorSlice;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * A merge's DARE rescale norms ({@link RescaleNorms#addDirect}'s sums) a vector of lanes at a time, from the mapped
 * inputs: per model, |delta| and the masked |delta| ({@link RandomLanes}' mask), widened to double and added to 16
 * lanes of sums each, element e to lane e % 16, as the plain loop adds them. Served where a float vector has those 16
 * lanes (AVX-512); elsewhere the plain loop sums. Load only where {@link dev.amalgam.safetensors.FloatCodec#lanes()}.
 */
final class NormLanes {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DOUBLES = FLOATS.vectorShape().withLanes(double.class); // half the lanes
    private final MemorySegment base;
    private final DType baseType;
    private final MemorySegment[] data; // per summed model
    private final DType[] dtypes;
    private final long[] keys; // per summed model, its mask's stream
    private final long[] limits; // per summed model, its mask's TensorRandom.threshold

    /** {@code inputs}: the base first; {@code models}: the summed models' indices into them, {@code masks} theirs. */
    NormLanes(List<TensorSlice> inputs, int[] models, Mask.Random[] masks) {
        this.base = inputs.getFirst().data();
        this.baseType = inputs.getFirst().dtype();
        this.data = new MemorySegment[models.length];
        this.dtypes = new DType[models.length];
        this.keys = new long[models.length];
        this.limits = new long[models.length];
        for (int m = 0; m < models.length; m++) {
            data[m] = inputs.get(models[m]).data();
            dtypes[m] = inputs.get(models[m]).dtype();
            keys[m] = masks[m].key();
            limits[m] = TensorRandom.threshold(masks[m].density());
        }
    }

    /**
     * The direct norms of {@code models} (indices after the base, every one's mask random: {@code masks}) into
     * {@code sums} ([model, range]: 2 x 16 lanes), in one pass on all cores; the ranges' last elements, fewer than a
     * vector's, by the plain loop. With {@code keep} (two models), returns their masks as drawn, for the result's pass
     * ({@link FamilyLanes#drawn}: numel / 16 ints), which then does not draw them again; else null.
     */
    static int[] pass(KernelInputs in, int[] models, Mask.Random[] masks, boolean keep, double[][][] sums) {
        int[] drawn = keep ? new int[Math.toIntExact(in.numel() / RescaleNorms.DIRECT_LANES)] : null;
        NormLanes lanes = new NormLanes(in.slices(), Arrays.stream(models).map(in::modelInput).toArray(), masks);
        in.forRanges((r, from, to) -> {
            KernelInputs.Scratch s = KernelInputs.Scratch.local();
            int[] top = new int[RescaleNorms.DIRECT_LANES]; // the tail's stream values
            for (int m = 0; m < models.length; m++) {
                sums[m][r] = new double[2 * RescaleNorms.DIRECT_LANES];
            }
            for (long at = from; at < to; at += ChunkRanges.CHUNK) {
                int len = (int) Math.min(ChunkRanges.CHUNK, to - at);
                int vectors = len - len % RescaleNorms.DIRECT_LANES;
                for (int m = 0; m < models.length; m++) {
                    lanes.model(m, at, vectors, sums[m][r], drawn);
                }
                if (vectors < len) {
                    in.deltas(s, models, at + vectors, len - vectors, (m, e, t, n) -> RescaleNorms.addDirect(masks[m].key(), e,
                            TensorRandom.threshold(masks[m].density()), t.delta, n, top, sums[m][r]));
                }
            }
        });
        return drawn;
    }

    /** Whether the lanes read every input (base first) and have the sums' 16 lanes. */
    static boolean serves(List<TensorSlice> inputs) {
        return FloatLanes.LANES == RescaleNorms.DIRECT_LANES && RandomLanes.serves()
                && inputs.stream().allMatch(s -> FloatLanes.widens(s.dtype()));
    }

    /**
     * Adds model m's sums over elements {@code [at, at + vectors)} ({@code vectors} a multiple of 16, {@code at} too)
     * to {@code sums}: |delta| to lanes [0, 16), the kept |delta| to [16, 32). The sums stay in registers for the chunk.
     * Where {@code drawn} is not null, the mask's bits of vector v (elements [16v, 16v + 16)) are or-ed into
     * {@code drawn[v]} at bit {@code 16 m} (two models: {@link FamilyLanes}' result pass takes them from there).
     */
    void model(int m, long at, int vectors, double[] sums, int[] drawn) {
        DType dtype = dtypes[m];
        // the chunk's elements, read from 0 on (see FloatLanes#elements); the masks are drawn at the tensor's indices
        MemorySegment x = FloatLanes.elements(dtype, data[m], at, vectors);
        MemorySegment b = FloatLanes.elements(baseType, base, at, vectors);
        long key = keys[m];
        long limit = limits[m];
        int half = DOUBLES.length();
        DoubleVector before0 = DoubleVector.fromArray(DOUBLES, sums, 0);
        DoubleVector before1 = DoubleVector.fromArray(DOUBLES, sums, half);
        DoubleVector after0 = DoubleVector.fromArray(DOUBLES, sums, 2 * half);
        DoubleVector after1 = DoubleVector.fromArray(DOUBLES, sums, 3 * half);
        // the upper half's lanes moved down, for its widening to double: convertShape's part 1 moved them by a
        // general slice (a shuffle, a compare and a blend)
        VectorShuffle<Float> upper = VectorShuffle.fromOp(FLOATS, l -> (l + half) % FLOATS.length());
        LongVector low = RandomLanes.steps(false);
        LongVector high = RandomLanes.steps(true);
        for (int j = 0; j < vectors; j += FloatLanes.LANES) {
            FloatVector magnitude = FloatLanes.widen(dtype, x, j).sub(FloatLanes.widen(baseType, b, j)).abs();
            long bits = RandomLanes.bits(key, limit, at + j, low, high);
            if (drawn != null) {
                drawn[(int) ((at + j) / FloatLanes.LANES)] |= (int) bits << (FloatLanes.LANES * m);
            }
            DoubleVector low0 = (DoubleVector) magnitude.convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector high0 = (DoubleVector) magnitude.rearrange(upper).convertShape(VectorOperators.F2D, DOUBLES, 0);
            before0 = before0.add(low0);
            before1 = before1.add(high0);
            // added where kept, the sum left as it is elsewhere: the plain loop's + 0 there, bit for bit (a sum of
            // magnitudes from +0 is never -0)
            after0 = after0.add(low0, VectorMask.fromLong(DOUBLES, bits));
            after1 = after1.add(high0, VectorMask.fromLong(DOUBLES, bits >>> half));
        }
        before0.intoArray(sums, 0);
        before1.intoArray(sums, half);
        after0.intoArray(sums, 2 * half);
        after1.intoArray(sums, 3 * half);
    }
}
