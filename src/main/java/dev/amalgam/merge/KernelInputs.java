package dev.amalgam.merge;

import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.TensorSlice;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

import static dev.amalgam.merge.ChunkRanges.CHUNK;
import static dev.amalgam.merge.ChunkRanges.RANGES;

/**
 * {@link JavaCpuKernel}'s inputs, read chunk by chunk: widened from their mapped bytes into a range's {@link Scratch},
 * the models' deltas formed against the base, and passes over the tensor's {@link ChunkRanges} on all cores, counted
 * (a test's measure of what a merge cost). Also the passes {@link MagnitudeThresholds} runs.
 */
final class KernelInputs implements MagnitudeThresholds.Passes {
    private final List<TensorSlice> slices; // base first for the task-arithmetic family
    private final long numel;
    private final boolean linear;
    private int passes;

    /** {@code linear}: the inputs are the models, without a base. */
    KernelInputs(List<TensorSlice> slices, boolean linear) {
        this.slices = slices;
        this.numel = slices.getFirst().info().numel();
        this.linear = linear;
    }

    @Override
    public long numel() {
        return numel;
    }

    /** The inputs, base first for the task-arithmetic family: mapped, read inside {@link #guarded}. */
    List<TensorSlice> slices() {
        return slices;
    }

    /** The passes run since {@link #guarded}'s last start. */
    int passes() {
        return passes;
    }

    /**
     * Runs {@code body} with every input's reads nested in each slice's file-size check (mapped pages are only read by
     * Java code), counting its passes from 0.
     */
    void guarded(Runnable body) {
        passes = 0;
        guarded(0, body);
    }

    private void guarded(int from, Runnable body) {
        if (from == slices.size()) {
            body.run();
        } else {
            slices.get(from).read(() -> guarded(from + 1, body));
        }
    }

    /** Non-finite values of input {@code input} (base first); not one of the counted passes. */
    long nonFinite(int input) {
        long[] counts = new long[RANGES];
        guarded(0, () -> ChunkRanges.run(numel, (r, from, to) -> {
            Scratch s = Scratch.local();
            long count = 0; // summed locally: the ranges' slots share cache lines, which every core would fight over
            for (long c = from; c < to; c += CHUNK) {
                int len = (int) Math.min(CHUNK, to - c);
                load(s, s.base, input, c, len);
                count += FloatCodec.nonFinite(s.base, len);
            }
            counts[r] = count;
        }));
        return Arrays.stream(counts).sum();
    }

    /** The input index of model {@code model} (an index after the base). */
    int modelInput(int model) {
        return linear ? model : model + 1; // the family has the base at input 0
    }

    /** Elements {@code [at, at + len)} of input {@code input}, widened to fp32 into {@code into}. */
    void load(Scratch s, float[] into, int input, long at, int len) {
        TensorSlice in = slices.get(input);
        FloatCodec.widen(in.dtype(), in.data(), at, s.codec, into, len);
    }

    /** s.delta = x_i - base for the chunk (fp32, as model.tensor().sub(base)); s.base holds the chunk's base. */
    void delta(Scratch s, int model, long at, int len) {
        load(s, s.model, modelInput(model), at, len);
        for (int j = 0; j < len; j++) {
            s.delta[j] = s.model[j] - s.base[j];
        }
    }

    /** Runs {@code body} on the tensor's {@link ChunkRanges}, on all cores: one pass. */
    void forRanges(ChunkRanges.Body body) {
        passes++;
        ChunkRanges.run(numel, body);
    }

    /** What a pass does with one chunk of one of its models' deltas (in s.delta; the base in s.base): a range's own. */
    interface DeltaSink {
        void accept(int model, long at, Scratch s, int len);
    }

    /**
     * A pass over {@code models}' deltas on all cores: in each range, {@code sinkOfRange} makes the range's sink, and
     * each chunk widens the base once and hands every model's delta to it ({@code model}: an index into {@code models}).
     */
    void eachDeltaChunk(int[] models, IntFunction<DeltaSink> sinkOfRange) {
        forRanges((r, from, to) -> {
            DeltaSink sink = sinkOfRange.apply(r);
            Scratch s = Scratch.local();
            for (long c = from; c < to; c += CHUNK) {
                deltas(s, models, c, (int) Math.min(CHUNK, to - c), sink);
            }
        });
    }

    /** Widens the base's elements {@code [at, at + len)} once, and hands every model's delta there to {@code sink}. */
    void deltas(Scratch s, int[] models, long at, int len, DeltaSink sink) {
        load(s, s.base, 0, at, len);
        for (int m = 0; m < models.length; m++) {
            delta(s, models[m], at, len);
            sink.accept(m, at, s, len);
        }
    }

    @Override
    public void eachDelta(int[] models, IntFunction<MagnitudeThresholds.ChunkSink> sinkOfRange) {
        eachDeltaChunk(models, r -> {
            MagnitudeThresholds.ChunkSink sink = sinkOfRange.apply(r);
            return (m, at, s, len) -> sink.accept(m, s.delta, len);
        });
    }

    /** {@link BracketLanes} where the lanes read every input, the tails of ranges and other JVMs in floats. */
    @Override
    public void eachBracket(int[] models, BracketCount count) {
        if (!FloatCodec.lanes() || !BracketLanes.serves(slices)) {
            MagnitudeThresholds.Passes.super.eachBracket(models, count);
            return;
        }
        BracketLanes lanes = new BracketLanes(slices, Arrays.stream(models).map(this::modelInput).toArray());
        forRanges((r, from, to) -> {
            BracketCount.Range range = count.range(r);
            Scratch s = Scratch.local();
            for (long c = from; c < to; c += CHUNK) {
                int len = (int) Math.min(CHUNK, to - c);
                int vectors = len - len % FloatLanes.LANES;
                lanes.chunk(c, vectors, range);
                if (vectors < len) { // the last elements, fewer than a vector's
                    deltas(s, models, c + vectors, len - vectors, (m, at, t, n) -> range.accept(m, t.delta, n));
                }
            }
        });
    }

    @Override
    public void absDeltas(int model, long[] starts, int length, float[] into) {
        Scratch s = Scratch.local();
        for (int g = 0; g < starts.length; g++) {
            load(s, s.base, 0, starts[g], length);
            delta(s, model, starts[g], length);
            for (int j = 0; j < length; j++) {
                into[g * length + j] = Math.abs(s.delta[j]);
            }
        }
    }

    /**
     * A range's chunk-sized scratch arrays: one set a thread, kept for its next range, pass and tensor (a thread works
     * on one range at a time: no range's work runs parallel work of its own, which could run another range on the
     * thread while it waits). Made anew for every range, they were 16 x 6 to 8 arrays of 64 KiB a tensor and pass,
     * which the JVM zeroed: about a gigabyte a merge of 1.1B models.
     */
    static final class Scratch {
        private static final ThreadLocal<Scratch> OF_THREAD = ThreadLocal.withInitial(Scratch::new);
        final FloatCodec.ChunkBuffers codec = new FloatCodec.ChunkBuffers();
        final float[] base = new float[CHUNK];
        final float[] model = new float[CHUNK];
        final float[] delta = new float[CHUNK];
        final float[] mask = new float[CHUNK];
        final float[] result = new float[CHUNK];
        /** {@link #drawn}'s ints. */
        static final int DRAWN = CHUNK / 2;
        /** Random masks as bits, a vector's lanes to an int ({@link FamilyLanes}: 8 models' with 16 lanes). */
        final int[] drawn = new int[DRAWN];
        private float[][] contributions = new float[0][];

        private Scratch() {
        }

        /** This thread's scratch arrays. */
        static Scratch local() {
            return OF_THREAD.get();
        }

        /** {@code models} chunk-sized arrays [models, chunk] (kept: grown for more models than before). */
        float[][] contributions(int models) {
            if (contributions.length < models) {
                contributions = new float[models][CHUNK];
            }
            return contributions.length == models ? contributions : Arrays.copyOf(contributions, models);
        }
    }
}
