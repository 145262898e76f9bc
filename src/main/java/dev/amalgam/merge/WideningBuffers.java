package dev.amalgam.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Reused native buffers into which the {@link MergeKernel} widens its inputs (bf16/f16 to fp32), one per input
 * position of a tensor (base first). Sources stay in their stored dtype in the mapped files (the page cache is the
 * cache); a tensor's inputs are widened into these buffers, which grow to the largest tensor and are then reused
 * for every later tensor and candidate, so widening allocates nothing per tensor and holds (inputs) x the largest
 * tensor in fp32. A buffer is valid until the next tensor: the arrays wrapping it must be closed first (the kernel
 * closes each tensor's manager before it loads the next).
 */
public final class WideningBuffers implements AutoCloseable {
    private final List<Arena> arenas = new ArrayList<>(); // one per slot, so a buffer that grows frees its old memory
    private final List<MemorySegment> slots = new ArrayList<>();

    /** A buffer of at least {@code bytes} for input position {@code slot}, 64-byte aligned; its old content is garbage. */
    MemorySegment slot(int slot, long bytes) {
        while (slots.size() <= slot) {
            slots.add(MemorySegment.NULL);
            arenas.add(null);
        }
        MemorySegment s = slots.get(slot);
        if (s.byteSize() < bytes) {
            if (arenas.get(slot) != null) {
                arenas.get(slot).close();
            }
            Arena arena = Arena.ofShared();
            arenas.set(slot, arena);
            s = arena.allocate(bytes, 64);
            slots.set(slot, s);
        }
        return s.asSlice(0, bytes);
    }

    /**
     * A buffer of at least {@code bytes} in which a {@link TensorSink} gathers the chunks of a tensor it takes from the
     * CPU fast path (e.g. to upload them to a GPU at once): the result slot, which the kernel does not use for such a
     * tensor. Valid until the next tensor.
     */
    public MemorySegment staging(long bytes) {
        return slot(0, bytes);
    }

    /** Native bytes held (for the memory plan and tests). */
    public long bytesHeld() {
        return slots.stream().mapToLong(MemorySegment::byteSize).sum();
    }

    @Override
    public void close() {
        slots.clear();
        arenas.stream().filter(a -> a != null).forEach(Arena::close);
        arenas.clear();
    }
}
