package dev.amalgam.evolve.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.llm.ModelWeights;
import dev.amalgam.merge.PlannedTensor;
import dev.amalgam.merge.TensorChunks;
import dev.amalgam.merge.TensorSink;
import dev.amalgam.merge.WideningBuffers;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.TensorSlice;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes each merged tensor into the scoring model's weights in place, first rounded to the tensor's planned
 * dtype (what {@code amalgam merge} would save), so the scored model is exactly the exported recipe's merge.
 * A result made on the tensor's device is rounded and cast to the model's resident type ({@code evaluation.scoring_dtype})
 * there: nothing is copied to the host and back; the fast kernel's chunks, made on the host, are rounded and narrowed
 * on the host before they reach the device ({@link #chunks}). Tensors the model does not read (e.g. a rotary cache) are skipped.
 */
final class WeightsSink implements TensorSink {
    /** Elements rounded to bf16 per step (16 MiB of fp32). */
    static final long CHUNK = 1L << 22;
    private final ModelWeights weights;
    private final WideningBuffers staging; // null: chunks go into the weights' host memory where they have one
    private final Set<String> written = new HashSet<>();

    /** {@code staging}: where a tensor's chunks wait for their upload, or null where the weights are the host's memory. */
    WeightsSink(ModelWeights weights, WideningBuffers staging) {
        this.weights = weights;
        this.staging = staging;
    }

    @Override
    public void accept(PlannedTensor tensor, NDArray merged) {
        String name = tensor.outputName();
        if (!weights.names().contains(name)) {
            return;
        }
        // When the resident type is the output dtype, the cast in overwrite is that rounding (round to nearest even).
        weights.overwrite(name, residentType(tensor.outDtype()) == weights.dtype() ? merged : rounded(tensor.outDtype(), merged));
        written.add(name);
    }

    /**
     * Where the fast kernel's chunks go: rounded to the planned dtype (as {@link #rounded}) and narrowed to the resident
     * type (round to nearest even, as libtorch's cast in {@link ModelWeights#overwrite}) on the host's cores, straight
     * into the resident weight's memory on the CPU, or into a host staging buffer that {@code finish} uploads once in
     * the resident type on a GPU (2 bytes a parameter for a half-precision model, where an fp32 result would take 4,
     * with no cast on the device): no tensor-sized fp32 result and no dozen rounding ops per chunk.
     */
    @Override
    public TensorChunks chunks(PlannedTensor tensor) {
        String name = tensor.outputName();
        if (!weights.names().contains(name)) {
            return null; // accept() skips it
        }
        MemorySegment direct = staging == null ? weights.hostMemory(name) : null;
        if (direct == null && staging == null) {
            return null; // accept() takes it whole
        }
        DType planned = tensor.outDtype();
        DType resident = storedAs(weights.dtype());
        long[] shape = tensor.outShape();
        // [numel] of the resident type; the staging buffer is garbage until every chunk is in
        MemorySegment target = direct != null ? direct : staging.staging(new Shape(shape).size() * resident.byteSize());
        ThreadLocal<FloatCodec.ChunkBuffers> buffers = ThreadLocal.withInitial(FloatCodec.ChunkBuffers::new); // round's
        Encoding encoding = new Encoding(planned, resident);
        return new TensorChunks() {
            @Override
            public void put(long at, float[] values, int count) {
                // the kernel reuses the array anyway, so rounding it in place is fine
                FloatCodec.encode(encoding, values, count, window(at, count), buffers.get());
            }

            @Override
            public Encoding encoding() {
                return encoding;
            }

            @Override
            public MemorySegment window(long at, int count) {
                return target.asSlice(at * resident.byteSize(), (long) count * resident.byteSize());
            }

            @Override
            public void restart() {
                // each put rounded its chunk into place: the next puts overwrite it
            }

            @Override
            public void finish() {
                if (direct == null) {
                    NDArray weight = weights.get(name);
                    try (NDManager scope = weight.getManager().newSubManager()) {
                        // one host-to-device copy of the tensor in the resident type; overwrite is then a plain copy
                        weights.overwrite(name, scope.create(target.asByteBuffer(), new Shape(shape), weights.dtype()));
                    }
                }
                written.add(name);
            }

            @Override
            public void close() {
                // the memory is the model's or the staging's
            }
        };
    }

    private static DataType residentType(DType dtype) {
        return switch (dtype) {
            case F16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
            default -> DataType.FLOAT32;
        };
    }

    /** The file dtype whose values a weight resident in {@code resident} holds: {@link #residentType}'s inverse. */
    private static DType storedAs(DataType resident) {
        return switch (resident) {
            case FLOAT16 -> DType.F16;
            case BFLOAT16 -> DType.BF16;
            default -> DType.F32;
        };
    }

    /**
     * The values a safetensors file of {@code dtype} would hold (round to nearest even, as the writer does), as fp32 on
     * {@code merged}'s device: f16 is a cast to FLOAT16 and back; bf16 is arithmetic in fp32 ({@link #bf16Rounded}),
     * because DJL 0.35.1's JNI aborts the JVM on any BFLOAT16 cast, on the CPU and on a GPU alike.
     */
    static NDArray rounded(DType dtype, NDArray merged) {
        return switch (dtype) {
            case F32 -> merged;
            case F16 -> merged.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false);
            case BF16 -> bf16Rounded(merged);
            default -> throw new IllegalArgumentException("cannot score tensors saved as " + dtype);
        };
    }

    /**
     * x [any shape, fp32] rounded to bfloat16's 8 significant bits, round to nearest even, still fp32; the same
     * elementwise ops on every device. Veltkamp's split with factor 2^16 + 1 leaves the top 24 - 16 bits of x:
     * g = x * 65537, hi = g + (x - g), each op rounded to nearest even in fp32 (checked against the bit-level rounding
     * for all 2^32 floats when this was written). Three ranges need care: below 2^-126 bf16 is subnormal with a fixed
     * step 2^-133, which adding and subtracting 1.5 * 2^-110 (step 2^-133 in fp32) rounds to; from 2^100 on, x * 65537
     * could overflow, so x is scaled by 2^-64 first and back after (exact); infinities and NaN pass through, and a
     * result of 0 takes x's sign (bf16 keeps -0 and the negative values that round to it). {@code x} is the kernel's
     * temporary, so it is rounded in place where it is contiguous.
     */
    static NDArray bf16Rounded(NDArray x) {
        NDManager owner = x.getManager();
        NDArray flat = x.reshape(-1); // [numel]: a view of a contiguous x, else a copy; written in place chunk by chunk
        long n = flat.size();
        for (long from = 0; from < n; from += CHUNK) {
            String range = from + ":" + Math.min(n, from + CHUNK);
            // One chunk's dozen temporaries at a time: the rounding adds CHUNK-sized buffers, not tensor-sized ones,
            // to the merge's working set.
            try (NDManager scope = owner.newSubManager()) {
                NDArray part = flat.get(range);
                part.attach(scope); // ops put results in their first operand's manager: temporaries die with the scope
                NDArray magnitude = part.abs();
                NDArray big = magnitude.gte(0x1p100f);
                NDArray scaled = NDArrays.where(big, part.mul(0x1p-64f), part);
                NDArray g = scaled.mul(65537f);
                NDArray hi = g.add(scaled.sub(g));
                hi = NDArrays.where(big, hi.mul(0x1p64f), hi);
                NDArray subnormal = part.add(0x1.8p-110f).sub(0x1.8p-110f);
                NDArray r = NDArrays.where(magnitude.lt(0x1p-126f), subnormal, hi);
                r = NDArrays.where(r.eq(0f), part.mul(0f), r);
                flat.set(new NDIndex(range), NDArrays.where(part.isInfinite(), part, r));
            }
        }
        return flat.reshape(x.getShape());
    }

    @Override
    public void acceptRaw(PlannedTensor tensor, TensorSlice raw) {
        if (weights.names().contains(tensor.outputName())) {
            throw new IllegalStateException("'" + tensor.outputName() + "' is not a float tensor; the scoring model cannot take it");
        }
    }

    /** Model weights the merge did not write (must be empty, or the candidate would be scored with stale values). */
    Set<String> missing() {
        Set<String> m = new HashSet<>(weights.names());
        m.removeAll(written);
        return m;
    }
}
