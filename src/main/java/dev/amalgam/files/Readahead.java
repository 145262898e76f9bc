package dev.amalgam.files;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads memory-mapped files ahead of their use, on threads of its own: a caller works through steps in order (a
 * merge's tensors), each reading some mapped bytes from some sources (the input models), and a thread per source touches
 * that source's pages of the steps after the one in progress, up to {@code window} bytes (of all sources) past its
 * start, in order, so that the operating system reads each source from disk in its sequential readahead while the
 * caller computes. Files already in memory cost a load every {@link #STRIDE} bytes.
 *
 * <p>Why: a merge of models that were not in the page cache read them at 0.4-0.6 GB/s through its own page faults
 * (two threads on a tensor's ranges at two places in each file, after the threshold sample's scattered reads), where
 * one sequential pass over the same files read 1.6 GB/s on the same disk. One thread for all sources, a tensor of each
 * in turn, read three 1 GB shards in 2.2-3.0 s, a thread each in 1.7-1.9 s. {@code madvise(MADV_WILLNEED)} read ahead
 * too, but into 4 KB pages, which every later merge of those files then maps with ten times the page faults.
 *
 * <p>A file that shrinks under its mapping stops its thread quietly: the caller's own read of it reports that.
 */
public final class Readahead implements AutoCloseable {
    /**
     * Bytes between two loads: each load that misses makes the system read the file's next pages, and in memory a load
     * maps many pages (the page cache's large folios), so one in 64 KB reads as far as one in 4 KB did. Models in memory
     * then pay 16x fewer loads: a page each made warm ties merges about 0.2 s (10%) slower on 1.1B shapes.
     */
    static final long STRIDE = 64 << 10;

    /** Step bytes that source {@code source} (0 on) holds. */
    public record Read(int source, MemorySegment bytes) {
        public Read {
            if (source < 0) {
                throw new IllegalArgumentException("source " + source);
            }
        }
    }

    private final List<List<Read>> steps;
    private final long[] starts; // per step, the bytes of the steps before it
    private final long window;
    private final List<Thread> threads = new ArrayList<>();
    private volatile int current;
    private volatile boolean closed;
    private final AtomicLong touched = new AtomicLong(); // the loads' sum: kept, so that the JIT does not drop them

    /** Starts reading {@code steps} (per step, what it reads) ahead of {@link #reached}. */
    public Readahead(List<List<Read>> steps, long window) {
        if (window <= 0) {
            throw new IllegalArgumentException("readahead window " + window + " bytes");
        }
        this.steps = List.copyOf(steps);
        this.window = window;
        this.starts = new long[this.steps.size() + 1];
        int sources = 0;
        for (int s = 0; s < this.steps.size(); s++) {
            long bytes = 0;
            for (Read r : this.steps.get(s)) {
                bytes += r.bytes().byteSize();
                sources = Math.max(sources, r.source() + 1);
            }
            starts[s + 1] = starts[s] + bytes;
        }
        for (int source = 0; source < sources; source++) {
            int own = source;
            threads.add(Thread.ofPlatform().daemon().name("readahead-" + source).start(() -> run(own)));
        }
    }

    /** The caller starts step {@code step}: the threads may read steps that start within the window past it. */
    public void reached(int step) {
        current = step;
        threads.forEach(LockSupport::unpark);
    }

    /** The bytes step {@code step} reads, of all sources. */
    public long bytes(int step) {
        return starts[step + 1] - starts[step];
    }

    private void run(int source) {
        try {
            for (int s = 0; s < steps.size() && !closed; s++) {
                while (!closed && s > current && starts[s] - starts[current] >= window) {
                    LockSupport.park(this);
                }
                if (s < current) {
                    continue; // the caller reads it already
                }
                long sum = 0;
                for (Read r : steps.get(s)) {
                    if (r.source() != source) {
                        continue;
                    }
                    MemorySegment bytes = r.bytes();
                    for (long at = 0; at < bytes.byteSize() && !closed; at += STRIDE) {
                        sum += bytes.get(ValueLayout.JAVA_BYTE, at);
                    }
                }
                touched.addAndGet(sum);
            }
        } catch (RuntimeException | InternalError e) {
            // a mapping closed early (a failed merge) or a file cut short under it (the JDK's InternalError for SIGBUS)
        }
    }

    /** The sum of the bytes read so far, one every {@link #STRIDE} of each step's bytes (for tests). */
    long touched() {
        return touched.get();
    }

    /** Stops the threads and waits for them: after this, the mappings may be closed. */
    @Override
    public void close() {
        closed = true;
        boolean interrupted = false;
        for (Thread thread : threads) {
            LockSupport.unpark(thread);
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
