package dev.amalgam.merge;

import java.util.stream.IntStream;

/**
 * How {@link JavaCpuKernel} splits a tensor: chunks of {@link #CHUNK} elements (the unit of its scratch arrays), in
 * {@link #RANGES} fixed, chunk-aligned ranges of consecutive chunks, which run on all cores.
 */
final class ChunkRanges {
    static final int CHUNK = 1 << 14; // elements per chunk: a few fp32 rows of scratch per input, in the L2 cache
    static final int RANGES = 16; // fixed, so double sums combine in the same order on any number of cores

    private ChunkRanges() {
    }

    /** One range's work: elements {@code [from, to)}, range {@code range} of {@link #RANGES}. */
    interface Body {
        void run(int range, long from, long to);
    }

    /** Runs {@code body} on every non-empty range of a tensor of {@code numel} elements, in parallel. */
    static void run(long numel, Body body) {
        long chunks = (numel + CHUNK - 1) / CHUNK;
        IntStream.range(0, RANGES).parallel().forEach(r -> {
            long from = Math.min(numel, chunks * r / RANGES * CHUNK);
            long to = Math.min(numel, chunks * (r + 1) / RANGES * CHUNK);
            if (from < to) {
                body.run(r, from, to);
            }
        });
    }
}
