package dev.amalgam.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.BadInputException;
import dev.amalgam.files.IoFailure;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One tensor's bytes inside a mapped file (little-endian, row-major), plus where they came from. Valid only while the
 * owning {@link SafetensorsFile} is open.
 *
 * <p>The bytes are only ever read by Java code (copied or widened), never handed to native code: when the file is
 * truncated while mapped, reading a lost page raises SIGBUS, which the JDK turns into an {@link InternalError} in Java
 * code but which kills the JVM inside libtorch. The file's size is checked against the size it had when its header
 * was validated before and after each read, and either failure is reported as "FILE changed while being read".
 *
 * @param fileSize the file's size when it was opened
 */
public record TensorSlice(TensorInfo info, MemorySegment data, Path file, long fileSize) {

    public String name() {
        return info.name();
    }

    public DType dtype() {
        return info.dtype();
    }

    public long[] shape() {
        return info.shape();
    }

    /** The tensor as an fp32 NDArray in {@code manager}, in a fresh GC-managed direct buffer. */
    public NDArray toFloat32(NDManager manager) {
        return toFloat32(manager, (Arena) null);
    }

    /**
     * As {@link #toFloat32(NDManager)}, but the fp32 copy goes into {@code scratch} (when not null) instead of a
     * GC-managed direct buffer. DJL wraps a direct buffer without copying, so the arena must outlive the array: close
     * the manager first, then the arena. This frees inputs deterministically, which a GC-managed buffer does not (it
     * lingers until a collection).
     */
    public NDArray toFloat32(NDManager manager, Arena scratch) {
        checkWidenable();
        long n = info.numel();
        MemorySegment into = scratch != null ? scratch.allocate(n * 4, 64) : MemorySegment.ofBuffer(ByteBuffer.allocateDirect((int) (n * 4)));
        return toFloat32(manager, into);
    }

    /**
     * As {@link #toFloat32(NDManager)}, widening (or, for F32, copying) into {@code into} (at least 4 x numel bytes).
     * The array wraps {@code into} without copying on the CPU: close it before reusing the memory.
     */
    public NDArray toFloat32(NDManager manager, MemorySegment into) {
        checkWidenable();
        long n = info.numel();
        // F32 too is copied through Java: mapped pages never reach libtorch (see the class comment).
        MemorySegment f32 = into.asSlice(0, n * 4);
        read(() -> FloatCodec.widenToF32(info.dtype(), data, f32, n));
        return manager.create(f32.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN), new Shape(info.shape()), DataType.FLOAT32);
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
        MemorySegment f32 = MemorySegment.ofArray(new byte[out.length * 4]);
        read(() -> FloatCodec.widenToF32(info.dtype(), data, f32, n));
        MemorySegment.copy(f32, FloatCodec.FLOAT_LE, 0, out, 0, out.length);
        return out;
    }

    /** The raw bytes copied into {@code arena} (for tensors passed through unchanged). */
    public MemorySegment copy(Arena arena) {
        MemorySegment copy = arena.allocate(data.byteSize(), 8);
        read(() -> copy.copyFrom(data));
        return copy;
    }

    /**
     * Runs Java code that reads {@link #data()} (never native code: see the class comment), checking the file's size
     * before and after and reporting a lost page or a size change as "FILE changed while being read".
     */
    public void read(Runnable javaRead) {
        checkSize();
        try {
            javaRead.run();
        } catch (InternalError e) {
            // "a fault occurred in an unsafe memory access operation": SIGBUS on a page the file no longer has
            throw new BadInputException(file + " changed while being read (tensor '" + info.name()
                    + "'): it was truncated or rewritten; run again once nothing writes to it", e);
        }
        checkSize();
    }

    private void checkSize() {
        long now;
        try {
            now = Files.size(file);
        } catch (IOException e) {
            throw new BadInputException(file + " changed while being read (tensor '" + info.name() + "'): "
                    + IoFailure.cause(file, e), e);
        }
        if (now != fileSize) {
            throw new BadInputException(file + " changed while being read (tensor '" + info.name() + "'): it had "
                    + fileSize + " bytes when opened and has " + now + " now; run again once nothing writes to it");
        }
    }
}
