package dev.amalgam.merge;

import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatCodec;
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
 * the DJL path. Load only where {@link FloatCodec#lanes()} is true.
 */
final class LinearLanes {
    private final MemorySegment[] data; // per model, its mapped bytes
    private final DType[] dtypes;
    private final float[] weights;
    private final float divisor;

    /** {@code divisor}: the weight sum where linear normalizes, else 1 (x / 1 is x, bit for bit). */
    LinearLanes(List<TensorSlice> models, float[] weights, float divisor) {
        this(models.stream().map(TensorSlice::data).toArray(MemorySegment[]::new),
                models.stream().map(TensorSlice::dtype).toArray(DType[]::new), weights, divisor);
    }

    private LinearLanes(MemorySegment[] data, DType[] dtypes, float[] weights, float divisor) {
        this.data = data;
        this.dtypes = dtypes;
        this.weights = weights;
        this.divisor = divisor;
    }

    /** Whether the lanes read every model and write {@code encoding}. */
    static boolean serves(List<TensorSlice> models, Encoding encoding) {
        return encoding != null && FloatLanes.encodes(encoding) && models.stream().allMatch(s -> FloatLanes.widens(s.dtype()));
    }

    /**
     * Elements {@code [at, at + len)} into {@code window} (their {@code len} elements in {@code encoding}); the last
     * {@code len % LANES} through the plain loop's arrays in {@code s}. Returns how many results are not finite.
     */
    long chunk(long at, int len, Encoding encoding, MemorySegment window, KernelInputs.Scratch s) {
        int vectors = len - len % FloatLanes.LANES;
        int models = data.length;
        long nonFinite = 0;
        for (int j = 0; j < vectors; j += FloatLanes.LANES) {
            FloatVector sum = FloatLanes.widen(dtypes[0], data[0], at + j).mul(weights[0]);
            for (int i = 1; i < models; i++) {
                sum = sum.add(FloatLanes.widen(dtypes[i], data[i], at + j).mul(weights[i]));
            }
            nonFinite += FloatLanes.store(encoding, sum.div(divisor), window, j);
        }
        if (vectors < len) {
            nonFinite += tail(at + vectors, len - vectors, encoding, window.asSlice((long) vectors * encoding.stored().byteSize()), s);
        }
        return nonFinite;
    }

    /** The last elements of a chunk, fewer than a vector's, with the plain conversions. */
    private long tail(long at, int len, Encoding encoding, MemorySegment window, KernelInputs.Scratch s) {
        float[] sum = s.delta;
        float[] x = s.model;
        for (int i = 0; i < data.length; i++) {
            FloatCodec.widen(dtypes[i], data[i], at, s.codec, x, len);
            for (int j = 0; j < len; j++) {
                sum[j] = i == 0 ? x[j] * weights[0] : sum[j] + x[j] * weights[i];
            }
        }
        for (int j = 0; j < len; j++) {
            sum[j] /= divisor;
        }
        long nonFinite = FloatCodec.nonFinite(sum, len);
        FloatCodec.encode(encoding, sum, len, window, s.codec);
        return nonFinite;
    }
}
