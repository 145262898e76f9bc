package dev.amalgam.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.files.IoFailure;
import dev.amalgam.files.Preallocation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams tensors into one or more .safetensors shards. The full plan (names, dtypes, shapes) is
 * known up front, so each shard's header is written first and every tensor lands at its final offset
 * as it arrives, in any order, without buffering a whole shard. Shards are cut so each holds at most
 * {@code maxShardBytes} of data (a tensor larger than that gets a shard of its own), named like
 * HF/mergekit ({@code model-00001-of-00003.safetensors}) with {@code model.safetensors.index.json};
 * a single shard is {@code model.safetensors}. The folder must exist; the caller makes it atomic (see
 * {@code StagedDirectory}); this class only writes into it. Each shard's blocks are reserved when it is made
 * ({@link Preallocation}): a disk without the room fails there, before any tensor is merged.
 *
 * <p>Every {@link #SYNC_STEP} bytes written to a shard, a background thread starts syncing it ({@code fdatasync}), so
 * the disk writes the output while the merge still computes: {@link #finish}'s sync then waits for the last step
 * only, not for the whole output (at 1.1B it was 0.65 s of a 2.15 s linear merge). Linux itself starts writing back
 * only past {@code vm.dirty_background_ratio} of memory, about 2.4 GB on a 24 GB machine: after most merges end.
 */
public final class SafetensorsWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long SYNC_STEP = 256L << 20;

    private record Placement(int shard, long absoluteOffset, TensorSpec spec, int ordinal) {
    }

    private final Path folder;
    private final List<Path> shardPaths = new ArrayList<>();
    private final List<FileChannel> channels = new ArrayList<>();
    private final Map<String, Placement> placements = new HashMap<>();
    private final BitSet written = new BitSet();
    private final long totalBytes;
    private final List<AtomicLong> unsynced = new ArrayList<>(); // per shard, bytes written since its last sync began
    private final ExecutorService syncer = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("shard-sync").factory());
    private final AtomicReference<IOException> syncFailure = new AtomicReference<>();
    private final long syncStep;
    private final AtomicLong syncs = new AtomicLong(); // background syncs done, for tests
    // the streams' thread buffers, kept for the next tensor's stream: made and freed per tensor, a shared arena's close
    // (a handshake with every thread) and the buffers' zeroing took 6% of a linear merge at 1.1B, 0.3 ms a tensor
    private final Arena buffers = Arena.ofShared();
    private final Queue<MemorySegment> spareBuffers = new ConcurrentLinkedQueue<>();
    private volatile boolean closing;
    private boolean finished;

    public SafetensorsWriter(Path folder, List<TensorSpec> plan, long maxShardBytes, Map<String, String> metadata) {
        this(folder, plan, maxShardBytes, metadata, SYNC_STEP);
    }

    /** As the public constructor, with a background sync every {@code syncStep} bytes of a shard (tests take small steps). */
    SafetensorsWriter(Path folder, List<TensorSpec> plan, long maxShardBytes, Map<String, String> metadata, long syncStep) {
        if (maxShardBytes <= 0 || syncStep <= 0) {
            throw new IllegalArgumentException("maxShardBytes and syncStep must be positive");
        }
        this.folder = folder;
        this.syncStep = syncStep;
        List<List<TensorSpec>> shards = new ArrayList<>();
        List<TensorSpec> current = new ArrayList<>();
        long currentBytes = 0;
        long total = 0;
        for (TensorSpec t : plan) {
            if (!current.isEmpty() && currentBytes + t.byteLength() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(t);
            currentBytes += t.byteLength();
            total += t.byteLength();
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        this.totalBytes = total;
        try {
            // The folder must exist: not created here, so that a staged folder deleted by a shutdown hook (SIGTERM
            // during the merge) is not made again by a writer that starts just then.
            int ordinal = 0;
            for (int s = 0; s < shards.size(); s++) {
                String fileName = shards.size() == 1 ? SafetensorsModel.SINGLE_FILE
                        : String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
                Path path = folder.resolve(fileName);
                byte[] header = SafetensorsFile.header(shards.get(s), metadata);
                FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE, StandardOpenOption.READ);
                channels.add(ch);
                shardPaths.add(path);
                unsynced.add(new AtomicLong());
                writeFully(ch, ByteBuffer.wrap(header), 0);
                long offset = header.length;
                for (TensorSpec t : shards.get(s)) {
                    if (placements.put(t.name(), new Placement(s, offset, t, ordinal++)) != null) {
                        throw new IllegalArgumentException("tensor '" + t.name() + "' planned twice");
                    }
                    offset += t.byteLength();
                }
                Preallocation.reserve(path, offset); // the whole shard's blocks, before its tensors are written
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(IoFailure.describe("cannot create shards in", folder, e), e);
        }
    }

    /** Writes one tensor's bytes, already in its planned dtype. */
    public void write(String name, MemorySegment bytes) {
        Placement p = placement(name);
        if (bytes.byteSize() != p.spec().byteLength()) {
            throw new IllegalArgumentException("tensor '" + name + "': " + bytes.byteSize() + " bytes given, "
                    + p.spec().byteLength() + " planned");
        }
        try (Arena arena = Arena.ofConfined()) {
            // Only native and byte[]-backed segments can be viewed as a ByteBuffer: copy the others.
            boolean viewable = bytes.heapBase().map(base -> base instanceof byte[]).orElse(true);
            MemorySegment source = viewable ? bytes : arena.allocate(bytes.byteSize()).copyFrom(bytes);
            writeFully(channels.get(p.shard()), source.asByteBuffer(), p.absoluteOffset());
            wrote(p.shard(), bytes.byteSize());
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot write tensor '" + name + "' to", shardPaths.get(p.shard()), e), e);
        }
        written.set(p.ordinal());
    }

    /** Writes one tensor given as little-endian fp32, narrowing it to the planned dtype. */
    public void writeFloat32(String name, MemorySegment f32) {
        Placement p = placement(name);
        DType dtype = p.spec().dtype();
        if (dtype == DType.F32) {
            write(name, f32);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(p.spec().byteLength());
            FloatCodec.narrowFromF32(dtype, f32, out, p.spec().numel());
            write(name, out);
        }
    }

    /**
     * Tensor {@code name}, planned in a float dtype, written chunk by chunk from fp32 values narrowed as
     * {@link #writeFloat32} narrows them: for kernels that make a tensor in chunks on several threads, so that no
     * tensor-sized buffer exists between the kernel and the file.
     */
    public Float32Stream streamFloat32(String name) {
        Placement p = placement(name);
        if (!p.spec().dtype().isFloating()) {
            throw new IllegalArgumentException("tensor '" + name + "' is planned as " + p.spec().dtype() + ", not a float type");
        }
        return new Float32Stream(p);
    }

    /**
     * One tensor's chunked writes; {@link #finish} once every element was put, then close. Each thread gathers the
     * narrowed bytes of consecutive chunks in a buffer of its own (kept by the writer for the next tensor's stream) and
     * writes it when full or when its next chunk does not follow on: a write call per {@link #BUFFER_BYTES}, not per
     * chunk.
     */
    public final class Float32Stream implements AutoCloseable {
        private static final long BUFFER_BYTES = 1 << 20;
        private final Placement placement;
        private final ThreadLocal<Pending> pending = new ThreadLocal<>();
        private final Queue<Pending> all = new ConcurrentLinkedQueue<>();

        /** A thread's buffer: {@code filled} bytes of elements from {@code start} on, not yet written. */
        private static final class Pending {
            final MemorySegment buffer;
            long start;
            long filled;

            Pending(MemorySegment buffer) {
                this.buffer = buffer;
            }
        }

        private Float32Stream(Placement placement) {
            this.placement = placement;
        }

        /**
         * Puts elements {@code [at, at + count)} of the (flattened) tensor from {@code values[0..count)}. Callers on
         * several threads at once must put disjoint ranges.
         */
        public void put(long at, float[] values, int count) {
            FloatCodec.narrow(placement.spec().dtype(), values, count, window(at, count));
        }

        /** The file's dtype: elements go to {@link #window} as a file of it holds them. */
        public Encoding encoding() {
            return Encoding.of(placement.spec().dtype());
        }

        /**
         * The memory, in the calling thread's buffer, where elements {@code [at, at + count)} go in the file's dtype:
         * the thread fills it before its next call. Callers on several threads at once must take disjoint ranges.
         */
        public MemorySegment window(long at, int count) {
            TensorSpec spec = placement.spec();
            if (at < 0 || count < 0 || at + count > spec.numel()) {
                throw new IndexOutOfBoundsException("elements [" + at + ", " + (at + count) + ") of '" + spec.name() + "' ("
                        + spec.numel() + " elements)");
            }
            int size = spec.dtype().byteSize();
            long bytes = (long) count * size;
            Pending p = pending.get();
            if (p == null || p.buffer.byteSize() < bytes) {
                MemorySegment spare = spareBuffers.poll();
                p = new Pending(spare != null && spare.byteSize() >= bytes ? spare : buffers.allocate(Math.max(bytes, BUFFER_BYTES), 8));
                if (spare != null && p.buffer != spare) {
                    spareBuffers.add(spare);
                }
                pending.set(p);
                all.add(p);
            }
            if (p.filled > 0 && (p.start + p.filled / size != at || p.filled + bytes > p.buffer.byteSize())) {
                flush(p);
            }
            if (p.filled == 0) {
                p.start = at;
            }
            MemorySegment window = p.buffer.asSlice(p.filled, bytes);
            p.filled += bytes;
            return window;
        }

        private void flush(Pending p) {
            if (p.filled == 0) {
                return;
            }
            int size = placement.spec().dtype().byteSize();
            try {
                writeFully(channels.get(placement.shard()), p.buffer.asSlice(0, p.filled).asByteBuffer(),
                        placement.absoluteOffset() + p.start * size);
                wrote(placement.shard(), p.filled);
            } catch (IOException e) {
                throw new UncheckedIOException(IoFailure.describe("cannot write tensor '" + placement.spec().name() + "' to",
                        shardPaths.get(placement.shard()), e), e);
            }
            p.filled = 0;
        }

        /**
         * Every element will be put again (no put is running): drops what the buffers hold. Written, it could land
         * after the new values of its elements, which another thread's buffer may hold and write first.
         */
        public void restart() {
            for (Pending p : all) {
                p.filled = 0;
            }
        }

        /** Every element was put (the putting threads are done): writes what the buffers hold; the tensor counts as written. */
        public void finish() {
            for (Pending p : all) {
                flush(p);
            }
            written.set(placement.ordinal());
        }

        /** Hands the threads' buffers to the next tensor's stream (the putting threads are done). */
        @Override
        public void close() {
            for (Pending p : all) {
                spareBuffers.add(p.buffer);
            }
            all.clear();
        }
    }

    private Placement placement(String name) {
        if (finished) {
            throw new IllegalStateException("writer already finished");
        }
        Placement p = placements.get(name);
        if (p == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is not in the write plan");
        }
        return p;
    }

    /** Counts bytes written to a shard; each {@code syncStep} of them queues a background sync of the shard. */
    private void wrote(int shard, long bytes) {
        AtomicLong pending = unsynced.get(shard);
        long now = pending.addAndGet(bytes);
        if (now < syncStep) {
            return;
        }
        pending.addAndGet(-now); // what other threads added meanwhile stays counted; a spare sync of clean pages is cheap
        FileChannel ch = channels.get(shard);
        syncer.execute(() -> {
            try {
                if (!closing) {
                    ch.force(false);
                    syncs.incrementAndGet();
                }
            } catch (IOException e) {
                if (!closing) {
                    syncFailure.compareAndSet(null, e); // reported by finish
                }
            }
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }

    /** How many thread buffers the streams have made and handed on, for tests. */
    int spareBuffers() {
        return spareBuffers.size();
    }

    /** How many background syncs have run. */
    long backgroundSyncs() {
        return syncs.get();
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** Checks every planned tensor was written, writes the index for sharded output and syncs. */
    public void finish() {
        if (written.cardinality() != placements.size()) {
            List<String> missing = placements.values().stream().filter(p -> !written.get(p.ordinal()))
                    .map(p -> p.spec().name()).limit(5).toList();
            throw new IllegalStateException("tensors never written: " + missing);
        }
        syncer.close(); // the background syncs first: one that failed fails the output
        if (syncFailure.get() != null) {
            throw new UncheckedIOException(IoFailure.describe("cannot sync shards in", folder, syncFailure.get()), syncFailure.get());
        }
        try {
            for (FileChannel ch : channels) {
                ch.force(true);
            }
            if (shardPaths.size() > 1) {
                ObjectNode index = JSON.createObjectNode();
                index.putObject("metadata").put("total_size", totalBytes);
                ObjectNode map = index.putObject("weight_map");
                Map<String, String> sorted = new LinkedHashMap<>();
                placements.values().stream().sorted(java.util.Comparator.comparingInt(Placement::ordinal))
                        .forEach(p -> sorted.put(p.spec().name(), shardPaths.get(p.shard()).getFileName().toString()));
                sorted.forEach(map::put);
                Files.writeString(folder.resolve(SafetensorsModel.INDEX_FILE),
                        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(IoFailure.describe("cannot finish shards in", folder, e), e);
        }
        finished = true;
        close();
    }

    @Override
    public void close() {
        closing = true; // queued syncs are skipped; one already running ends before the channels close
        syncer.close();
        for (FileChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing after a failure: the staged folder is discarded anyway
            }
        }
        channels.clear();
        if (buffers.scope().isAlive()) { // finish closes too
            buffers.close();
        }
    }
}
