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
 * delta's magnitude bits (the fp32 difference, as {@link KernelInputs#delta} forms it), the count of those above the
 * bracket, and the values within it compressed into the range's array. Load only where
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
     * call, whose count stays in registers (counted into the range's arrays per vector, and over models in one loop,
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
        DType dtype = dtypes[m];
        // the chunk's elements, read from 0 on (see FloatLanes#elements)
        MemorySegment x = FloatLanes.elements(dtype, data[m], at, vectors);
        MemorySegment b = FloatLanes.elements(baseType, base, at, vectors);
        int low = range.low[m];
        int high = range.high[m];
        int span = high - low;
        // per lane, the chunk's count (at most CHUNK / LANES): a masked add, where counting the compare's lanes took
        // three instructions (the mask to a register, its bit count, the add)
        IntVector above = IntVector.zero(FloatLanes.INTS);
        IntVector one = IntVector.broadcast(FloatLanes.INTS, 1);
        int filled = range.filled[m];
        for (int j = 0; j < vectors; j += FloatLanes.LANES) {
            IntVector magnitude = FloatLanes.widen(dtype, x, j).sub(FloatLanes.widen(baseType, b, j))
                    .reinterpretAsInts().and(0x7FFFFFFF);
            above = above.add(one, magnitude.compare(VectorOperators.GT, high));
            if (kept != null) {
                // low <= magnitude <= high in one compare: below low, the difference is negative, above 2^31 unsigned
                VectorMask<Integer> within = magnitude.sub(low).compare(VectorOperators.ULE, span);
                magnitude.compress(within).reinterpretAsFloats().intoArray(kept, filled);
                filled += within.trueCount();
            }
        }
        range.above[m] += above.reduceLanes(VectorOperators.ADD);
        range.filled[m] = filled; // unchanged once there is no room: the model is then not settled
    }
}
