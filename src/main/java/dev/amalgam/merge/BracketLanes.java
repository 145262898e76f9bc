package dev.amalgam.merge;

import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.TensorSlice;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@link BracketCount}'s pass a vector of lanes at a time, from the mapped inputs ({@link FloatLanes}): per model, the
 * delta's magnitude bits (the fp32 difference, as {@link KernelInputs#delta} forms it), the counts against the
 * bracket's ends, and the values strictly within it compressed into the range's array. Load only where
 * {@link dev.amalgam.safetensors.FloatCodec#lanes()}.
 */
final class BracketLanes {
    private final MemorySegment base;
    private final DType baseType;
    private final MemorySegment[] data; // per counted model
    private final DType[] dtypes;

    /** {@code inputs}: the base first; {@code models}: the counted models' indices into them. */
    BracketLanes(List<TensorSlice> inputs, int[] models) {
        this.base = inputs.getFirst().data();
        this.baseType = inputs.getFirst().dtype();
        this.data = new MemorySegment[models.length];
        this.dtypes = new DType[models.length];
        for (int m = 0; m < models.length; m++) {
            data[m] = inputs.get(models[m]).data();
            dtypes[m] = inputs.get(models[m]).dtype();
        }
    }

    /** Whether the lanes read every input (base first). */
    static boolean serves(List<TensorSlice> inputs) {
        return inputs.stream().allMatch(s -> FloatLanes.widens(s.dtype()));
    }

    /**
     * Counts elements {@code [at, at + vectors)} ({@code vectors} a multiple of {@link FloatLanes#LANES}) into
     * {@code range}: a model at a time (the base's lanes come from the L1 cache after the first), each in its own
     * call, whose counts stay in registers (counted into the range's arrays per vector, and over models in one loop,
     * the pass ran 4x slower). Every vector's lanes within the bracket are compressed and stored, most of them none: a
     * branch on whether any is (a third of the vectors at 16 lanes) mispredicted often enough to cost more.
     */
    void chunk(long at, int vectors, BracketCount.Range range) {
        for (int m = 0; m < data.length; m++) {
            float[] kept = range.kept(m, range.filled[m] + vectors);
            model(m, at, vectors, range, kept);
        }
    }

    private void model(int m, long at, int vectors, BracketCount.Range range, float[] kept) {
        MemorySegment x = data[m];
        DType dtype = dtypes[m];
        int lo = range.low[m];
        int hi = range.high[m];
        int aboveHigh = 0; // a chunk's counts fit an int
        int atLeastHigh = 0;
        int aboveLow = 0;
        int atLeastLow = 0;
        int filled = range.filled[m];
        for (int j = 0; j < vectors; j += FloatLanes.LANES) {
            IntVector magnitude = FloatLanes.widen(dtype, x, at + j).sub(FloatLanes.widen(baseType, base, at + j))
                    .reinterpretAsInts().and(0x7FFFFFFF);
            aboveHigh += magnitude.compare(VectorOperators.GT, hi).trueCount();
            atLeastHigh += magnitude.compare(VectorOperators.GE, hi).trueCount();
            VectorMask<Integer> overLow = magnitude.compare(VectorOperators.GT, lo);
            aboveLow += overLow.trueCount();
            atLeastLow += magnitude.compare(VectorOperators.GE, lo).trueCount();
            if (kept != null) {
                VectorMask<Integer> inside = overLow.and(magnitude.compare(VectorOperators.LT, hi));
                magnitude.compress(inside).reinterpretAsFloats().intoArray(kept, filled);
                filled += inside.trueCount();
            }
        }
        range.aboveHigh[m] += aboveHigh;
        range.atLeastHigh[m] += atLeastHigh;
        range.aboveLow[m] += aboveLow;
        range.atLeastLow[m] += atLeastLow;
        range.filled[m] = filled; // unchanged once there is no room: the model is then not settled
    }
}
