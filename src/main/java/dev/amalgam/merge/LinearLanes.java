package dev.amalgam.merge;

import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.TensorSlice;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Linear's chunk in one loop from the mapped inputs to the target's memory, a vector of lanes at a time
 * ({@link FloatLanes}): widened, weighted and summed, divided, counted and encoded in registers. The same fp32 ops in
 * the same order per element as {@link JavaCpuKernel}'s plain loop (x0 * w0, then + xi * wi, then / d; Java never fuses
 * a multiply and an add, nor does the Vector API's mul and add), so the same bits: JavaCpuKernelTest compares both with
 * the DJL path. Load only where {@link dev.amalgam.safetensors.FloatCodec#lanes()} is true.
 */
final class LinearLanes implements ChunkLanes {
    private final MemorySegment[] data; // per model, its mapped bytes
    private final DType[] dtypes;
    private final float[] weights;
    private final float divisor;

    /** {@code divisor}: the weight sum where linear normalizes, else 1 (x / 1 is x, bit for bit). */
    LinearLanes(List<TensorSlice> models, float[] weights, float divisor) {
        this.data = models.stream().map(TensorSlice::data).toArray(MemorySegment[]::new);
        this.dtypes = models.stream().map(TensorSlice::dtype).toArray(DType[]::new);
        this.weights = weights;
        this.divisor = divisor;
    }

    /** Whether the lanes read every model and write {@code encoding}. */
    static boolean serves(List<TensorSlice> models, Encoding encoding) {
        return encoding != null && FloatLanes.encodes(encoding) && models.stream().allMatch(s -> FloatLanes.widens(s.dtype()));
    }

    @Override
    public long chunk(long at, int vectors, Encoding encoding, MemorySegment window, int[] counted, long[] atMost, long[] below,
                      KernelInputs.Scratch scratch) {
        int models = data.length;
        MemorySegment[] in = new MemorySegment[models]; // the chunk's elements, read from 0 on (see FloatLanes#elements)
        for (int i = 0; i < models; i++) {
            in[i] = FloatLanes.elements(dtypes[i], data[i], at, vectors);
        }
        long nonFinite = 0;
        for (int j = 0; j < vectors; j += FloatLanes.LANES) {
            FloatVector sum = FloatLanes.widen(dtypes[0], in[0], j).mul(weights[0]);
            for (int i = 1; i < models; i++) {
                sum = sum.add(FloatLanes.widen(dtypes[i], in[i], j).mul(weights[i]));
            }
            nonFinite += FloatLanes.store(encoding, sum.div(divisor), window, j);
        }
        return nonFinite;
    }
}
