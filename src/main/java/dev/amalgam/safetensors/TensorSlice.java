package dev.amalgam.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * One tensor's bytes inside a mapped file (little-endian, row-major), plus where they came from.
 * Valid only while the owning {@link SafetensorsFile} is open.
 */
public record TensorSlice(TensorInfo info, MemorySegment data, Path file) {

    public String name() {
        return info.name();
    }

    public DType dtype() {
        return info.dtype();
    }

    public long[] shape() {
        return info.shape();
    }

    /**
     * The tensor as an fp32 NDArray in {@code manager}. F32 data is handed to DJL as a direct view of
     * the mapping (zero-copy on CPU: the array must not be written in place and must be closed before
     * the file); F16/BF16/F64 are widened in Java into a fresh direct buffer.
     */
    public NDArray toFloat32(NDManager manager) {
        return toFloat32(manager, (Arena) null);
    }

    /**
     * As {@link #toFloat32(NDManager)}, but widened data goes into {@code scratch} (when not null)
     * instead of a GC-managed direct buffer. DJL wraps a direct buffer without copying, so the arena
     * must outlive the array: close the manager first, then the arena. This frees widened inputs
     * deterministically, which a GC-managed buffer does not (it lingers until a collection).
     */
    public NDArray toFloat32(NDManager manager, Arena scratch) {
        checkWidenable();
        long n = info.numel();
        MemorySegment into = info.dtype() == DType.F32 ? null
                : scratch != null ? scratch.allocate(n * 4, 64) : MemorySegment.ofBuffer(ByteBuffer.allocateDirect((int) (n * 4)));
        return toFloat32(manager, into);
    }

    /**
     * As {@link #toFloat32(NDManager)}, widening into {@code into} (at least 4 x numel bytes, ignored for F32, which
     * is viewed in place). The array wraps {@code into} without copying on the CPU: close it before reusing the memory.
     */
    public NDArray toFloat32(NDManager manager, MemorySegment into) {
        checkWidenable();
        long n = info.numel();
        ByteBuffer buffer;
        if (info.dtype() == DType.F32) {
            buffer = data.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        } else {
            MemorySegment widened = into.asSlice(0, n * 4);
            FloatCodec.widenToF32(info.dtype(), data, widened, n);
            buffer = widened.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        return manager.create(buffer, new Shape(info.shape()), DataType.FLOAT32);
    }

    private void checkWidenable() {
        if (!info.dtype().isFloating()) {
            throw new IllegalStateException(info.name() + ": " + info.dtype() + " is not a floating type");
        }
        if (info.numel() * 4 > Integer.MAX_VALUE) {
            throw new UnsupportedOperationException(file + ": tensor '" + info.name()
                    + "' is over 2 GiB as fp32, which DJL's buffer API cannot take");
        }
    }

    /** A heap copy as fp32 (for reference implementations and tests). */
    public float[] toFloatArray() {
        long n = info.numel();
        float[] out = new float[Math.toIntExact(n)];
        if (info.dtype() == DType.F32) {
            MemorySegment.copy(data, FloatCodec.FLOAT_LE, 0, out, 0, out.length);
        } else {
            MemorySegment tmp = MemorySegment.ofArray(new byte[out.length * 4]);
            FloatCodec.widenToF32(info.dtype(), data, tmp, n);
            MemorySegment.copy(tmp, FloatCodec.FLOAT_LE, 0, out, 0, out.length);
        }
        return out;
    }

}
