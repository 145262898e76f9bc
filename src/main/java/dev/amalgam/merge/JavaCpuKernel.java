package dev.amalgam.merge;

import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.TensorSlice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The CPU fast path of linear and of the task-arithmetic methods without rank-based pruning per row (task_arithmetic,
 * ties, dare_ties, dare_linear): plain Java over chunks of the mapped inputs, on all cores, with no temporary larger
 * than a chunk. The DJL path ({@link LinearMerge}, {@link GeneralizedTaskArithmetic}) stays the reference and the
 * GPU path; this one does the very same fp32 operations in the same order per element (tests compare both bit for
 * bit), except that the rescale factor's two L1 norms are summed in double here (libtorch sums fp32 in a cascade), so
 * under {@code rescale} a result can differ from the DJL path's in the last bit of fp32.
 *
 * <p>Where the time went in the DJL path: every op is a full pass over fp32 tensors (about 30 for dare_ties, each
 * allocating a fresh tensor whose pages the kernel must fault in and zero), masks went through bool-to-float copies,
 * ties sorted with topk. Here a tensor is 1 pass (linear), 2 (dare_ties: the rescale norms, drawing each mask's uniforms
 * once and keeping its bits, numel / 8 bytes a model, for the result) or 4 (ties: two radix-select passes for the k-th
 * largest |delta|, the norms, the result). Per-range sums are kept in locals: ranges' slots of one array share cache
 * lines, and counting into them from both cores cost more than the counting.
 */
final class JavaCpuKernel {
    static final int CHUNK = 1 << 14; // elements per chunk: a few fp32 rows of scratch per input, in the L2 cache
    private static final int RANGES = 16; // fixed, so double sums combine in the same order on any number of cores
    private static final Set<DType> WIDENABLE = EnumSet.of(DType.F32, DType.BF16, DType.F16);

    /** How one model's delta is thinned: not at all, its k largest |delta| kept, or a DARE mask. */
    private sealed interface Mask {
        record None() implements Mask {
        }

        /** Keeps |delta| >= the k-th largest |delta| (none when k = 0), as {@link Sparsification#MAGNITUDE}. */
        record Magnitude(long k) implements Mask {
        }

        /** Keeps an element where its uniform from {@link TensorRandom}'s stream {@code key} is below the density. */
        record Random(long key, float density) implements Mask {
        }
    }

    private final List<TensorSlice> inputs; // base first for the task-arithmetic family
    private final long numel;
    private final boolean linear;
    private final float[] weights; // per model (inputs after the base)
    private final Mask[] masks;
    private final float[] lower; // per model, the Magnitude threshold once found
    private final float[] factor; // per model, the rescale factor (NaN where a norm is: it spreads, as in DJL)
    private final boolean[] scaled; // per model, whether the rescale factor applies
    private final long[][] kept; // per model, a DARE mask's bits once the rescale pass drew them (numel / 8 bytes), else null
    private final boolean rescale;
    private final boolean consensus;
    private final boolean normalize;
    private final float scalarDivisor; // linear's weight sum, or the family's without consensus
    private final float lambda;

    private JavaCpuKernel(List<TensorSlice> inputs, boolean linear, float[] weights, Mask[] masks, boolean rescale,
                          boolean consensus, boolean normalize, float scalarDivisor, float lambda) {
        this.inputs = inputs;
        this.numel = inputs.getFirst().info().numel();
        this.linear = linear;
        this.weights = weights;
        this.masks = masks;
        this.lower = new float[weights.length];
        this.factor = new float[weights.length];
        this.scaled = new boolean[weights.length];
        this.kept = new long[weights.length][];
        this.rescale = rescale;
        this.consensus = consensus;
        this.normalize = normalize;
        this.scalarDivisor = scalarDivisor;
        this.lambda = lambda;
    }

    /**
     * The fast path for {@code t}, or null where it does not apply (another method, della/breadcrumbs, a shape to cut,
     * an input that is not a float type or not a single tensor of the output's shape).
     */
    static JavaCpuKernel of(MergeMethod method, PlannedTensor t, List<TensorSlice> slices, long seed) {
        for (TensorSlice s : slices) {
            if (!Arrays.equals(s.shape(), t.outShape()) || !WIDENABLE.contains(s.dtype())) {
                return null;
            }
        }
        boolean linear = method instanceof LinearMerge && t.base() == null;
        if (!linear && !(method instanceof GeneralizedTaskArithmetic && t.base() != null)) {
            return null;
        }
        int models = t.inputs().size();
        float[] weights = new float[models];
        for (int i = 0; i < models; i++) {
            weights[i] = (float) t.inputs().get(i).params().number("weight");
        }
        if (linear && t.base() == null) {
            double weightSum = 0;
            for (PlannedTensor.PlannedInput in : t.inputs()) {
                weightSum += in.params().number("weight"); // in double, as LinearMerge sums them
            }
            return new JavaCpuKernel(slices, true, weights, new Mask[models], false, false,
                    t.global().flag("normalize"), (float) weightSum, 1f);
        }
        GeneralizedTaskArithmetic gta = (GeneralizedTaskArithmetic) method;
        Mask[] masks = new Mask[models];
        double weightSum = 0;
        for (int i = 0; i < models; i++) {
            PlannedTensor.PlannedInput in = t.inputs().get(i);
            double density = in.params().number("density");
            weightSum += weights[i];
            masks[i] = switch (gta.sparsification()) {
                case NONE -> new Mask.None();
                case MAGNITUDE -> density >= 1 ? new Mask.None() : new Mask.Magnitude((long) Math.floor(density * slices.getFirst().info().numel()));
                case RANDOM -> density >= 1 ? new Mask.None()
                        : new Mask.Random(TensorRandom.streamKey(seed, in.modelIndex(), t.outputName()), (float) density);
                case MAGNITUDE_OUTLIERS, DELLA_MAGPRUNE -> null;
            };
            if (masks[i] == null) {
                return null;
            }
        }
        float divisor = (float) (Math.abs(weightSum) < 1e-8 ? 1 : weightSum); // as GeneralizedTaskArithmetic
        return new JavaCpuKernel(slices, false, weights, masks, t.global().flag("rescale"), gta.consensus(),
                t.global().flag("normalize"), divisor, (float) t.global().number("lambda"));
    }

    /** Where the result's chunks go (as {@link TensorChunks#put}): called from the kernel's threads, disjoint ranges. */
    interface Target {
        void put(long at, float[] values, int count);
    }

    /**
     * Merges chunk by chunk into {@code out}.
     *
     * @return the number of non-finite values in the result
     */
    long run(Target out) {
        long[] nonFinite = new long[1];
        guarded(0, () -> {
            for (int i = 0; i < masks.length; i++) {
                prepare(i);
            }
            nonFinite[0] = finalPass(out);
        });
        return nonFinite[0];
    }

    /** Every input's reads, nested in each slice's file-size check (mapped pages are only read by Java code). */
    private void guarded(int from, Runnable body) {
        if (from == inputs.size()) {
            body.run();
        } else {
            inputs.get(from).read(() -> guarded(from + 1, body));
        }
    }

    /** Non-finite values of input {@code i} (base first), counted only when the result has some. */
    long nonFinite(int input) {
        long[] counts = new long[RANGES];
        guarded(0, () -> forRanges((r, from, to) -> {
            Scratch s = new Scratch();
            long count = 0; // summed locally: the ranges' slots share cache lines, which every core would fight over
            for (long c = from; c < to; c += CHUNK) {
                int len = (int) Math.min(CHUNK, to - c);
                load(s, s.base, input, c, len);
                count += nonFinite(s.base, len);
            }
            counts[r] = count;
        }));
        return Arrays.stream(counts).sum();
    }

    private static long nonFinite(float[] values, int len) {
        long count = 0;
        for (int j = 0; j < len; j++) {
            count += Float.isFinite(values[j]) ? 0 : 1;
        }
        return count;
    }

    private int modelInput(int model) {
        return linear ? model : model + 1; // the family has the base at input 0
    }

    /** The threshold and the rescale factor of model {@code i}, when it has a mask. */
    private void prepare(int i) {
        Mask mask = masks[i];
        if (mask instanceof Mask.None) {
            return;
        }
        if (mask instanceof Mask.Magnitude(long k) && k > 0) {
            lower[i] = kthLargestAbsDelta(i, k);
        }
        if (!rescale) {
            return;
        }
        double[] before = new double[RANGES];
        double[] after = new double[RANGES];
        // A DARE mask's uniforms cost more than the rest of a pass: the final pass reads the bits drawn here. Ranges
        // start at multiples of CHUNK (of 64), so the threads write disjoint words.
        long[] bits = mask instanceof Mask.Random ? new long[(int) ((numel + 63) >>> 6)] : null;
        forRanges((r, from, to) -> {
            Scratch s = new Scratch();
            double sumBefore = 0; // summed locally, as in nonFinite
            double sumAfter = 0;
            for (long c = from; c < to; c += CHUNK) {
                int len = (int) Math.min(CHUNK, to - c);
                delta(s, i, c, len, true);
                keepMask(s, i, c, len);
                for (int j = 0; j < len; j++) {
                    float d = s.delta[j];
                    sumBefore += Math.abs(d);
                    sumAfter += Math.abs(d * s.mask[j]);
                }
                if (bits != null) {
                    for (int j = 0; j < len; j++) {
                        long e = c + j;
                        bits[(int) (e >>> 6)] |= (long) s.mask[j] << e; // mask is 0 or 1; << takes e's low 6 bits
                    }
                }
            }
            before[r] = sumBefore;
            after[r] = sumAfter;
        });
        kept[i] = bits;
        double b = Arrays.stream(before).sum(); // ranges in a fixed order: the same sum on any machine
        double a = Arrays.stream(after).sum();
        if (!(b < 1e-7 || a < 1e-7)) { // Sparsification's RESCALE_EPS test: a NaN norm rescales (and spreads NaN)
            factor[i] = (float) (b / a);
            scaled[i] = true;
        }
    }

    /**
     * The k-th largest |x - base| of model {@code i}, exactly (as {@link KthLargest} over fp32): a radix select on the
     * float's bits (for non-negative floats, bit order is value order), top 16 bits first, then the low 16 within the
     * bucket that holds it. Two passes and 65536 counters per range instead of a sort.
     */
    private float kthLargestAbsDelta(int i, long k) {
        long[] top = select(absDeltaHistograms(i, -1), k); // {bucket, rank within it}
        int bucket = (int) top[0];
        long[] bottom = select(absDeltaHistograms(i, bucket), top[1]);
        return Float.intBitsToFloat(bucket << 16 | (int) bottom[0]);
    }

    /**
     * Per range, a histogram of 16 bits of |x - base| of model {@code i}: the high 16 bits of every value when
     * {@code high < 0}, else the low 16 bits of the values whose high 16 bits are {@code high}.
     */
    private long[][] absDeltaHistograms(int i, int high) {
        long[][] histograms = new long[RANGES][];
        forRanges((r, from, to) -> {
            long[] h = new long[1 << 16];
            Scratch s = new Scratch();
            for (long c = from; c < to; c += CHUNK) {
                int len = (int) Math.min(CHUNK, to - c);
                delta(s, i, c, len, true);
                for (int j = 0; j < len; j++) {
                    int bits = Float.floatToRawIntBits(Math.abs(s.delta[j]));
                    if (high < 0) {
                        h[bits >>> 16]++;
                    } else if (bits >>> 16 == high) {
                        h[bits & 0xFFFF]++;
                    }
                }
            }
            histograms[r] = h;
        });
        return histograms;
    }

    /** The bucket holding the k-th largest of the summed histograms, and k's rank within that bucket. */
    private static long[] select(long[][] histograms, long k) {
        long seen = 0;
        for (int b = (1 << 16) - 1; b >= 0; b--) {
            long count = 0;
            for (long[] h : histograms) {
                count += h == null ? 0 : h[b];
            }
            if (seen + count >= k) {
                return new long[]{b, k - seen};
            }
            seen += count;
        }
        throw new IllegalStateException("k = " + k + " exceeds the " + seen + " elements");
    }

    /** The result, chunk by chunk; returns how many of its values are not finite. */
    private long finalPass(Target out) {
        long[] nonFinite = new long[RANGES];
        int models = weights.length;
        forRanges((r, from, to) -> {
            Scratch s = new Scratch();
            float[] result = new float[CHUNK];
            float[][] contribution = linear ? null : new float[models][CHUNK]; // [models, chunk]
            long count = 0; // summed locally, as in nonFinite
            for (long at = from; at < to; at += CHUNK) {
                int len = (int) Math.min(CHUNK, to - at);
                if (linear) {
                    linearChunk(s, at, len, result);
                } else {
                    load(s, s.base, 0, at, len);
                    for (int i = 0; i < models; i++) {
                        contribution(s, i, at, len, contribution[i]);
                    }
                    familyChunk(s.base, contribution, len, result, s.delta, s.mask);
                }
                count += nonFinite(result, len);
                out.put(at, result, len);
            }
            nonFinite[r] = count;
        });
        return Arrays.stream(nonFinite).sum();
    }

    /** LinearMerge's ops: sum = x0 * w0, then sum += xi * wi, then sum / (float) weight sum. */
    private void linearChunk(Scratch s, long at, int len, float[] result) {
        for (int i = 0; i < weights.length; i++) {
            load(s, s.model, i, at, len);
            float w = weights[i];
            float[] x = s.model;
            if (i == 0) {
                for (int j = 0; j < len; j++) {
                    result[j] = x[j] * w;
                }
            } else {
                for (int j = 0; j < len; j++) {
                    result[j] = result[j] + x[j] * w; // x * w rounded, then added: two roundings, as libtorch's mul and add
                }
            }
        }
        if (normalize) {
            for (int j = 0; j < len; j++) {
                result[j] = result[j] / scalarDivisor;
            }
        }
    }

    /** Model i's weighted, thinned delta for the chunk (s.base loaded), into {@code out}. */
    private void contribution(Scratch s, int i, long at, int len, float[] out) {
        delta(s, i, at, len, false);
        float w = weights[i];
        if (masks[i] instanceof Mask.None) {
            for (int j = 0; j < len; j++) {
                out[j] = s.delta[j] * w; // delta.muli(w)
            }
            return;
        }
        keepMask(s, i, at, len);
        float f = factor[i];
        boolean rescaled = scaled[i];
        for (int j = 0; j < len; j++) {
            float kept = s.delta[j] * s.mask[j]; // delta.mul(mask)
            if (rescaled) {
                kept = kept * f; // kept.muli(before / after)
            }
            out[j] = kept * w; // .muli(w)
        }
    }

    /**
     * GeneralizedTaskArithmetic's sum (with TIES sign election), normalisation and lambda, per element. Loops run
     * model by model over the whole chunk (so the JIT can vectorise them), adding in the same order per element as
     * libtorch's sum over the model axis: bit for bit the same values. {@code mixed} and {@code divisor} are scratch.
     */
    private void familyChunk(float[] base, float[][] contribution, int len, float[] result, float[] mixed, float[] divisor) {
        int models = weights.length;
        Arrays.fill(mixed, 0, len, 0f); // libtorch's sum adds onto 0, model by model
        for (int i = 0; i < models; i++) {
            float[] c = contribution[i];
            for (int j = 0; j < len; j++) {
                mixed[j] += c[j];
            }
        }
        if (consensus) {
            // SignConsensus: the majority is +1 where the sum is >= 0 (a tie at zero too) and -1 elsewhere; a model agrees
            // where its value has that sign (never for 0, as signum(c) == majority). The loops are branch-free: the signs
            // are random, and a branch on them mispredicts half the time.
            float[] majority = divisor; // reused: the sums' signs, then the divisor
            for (int j = 0; j < len; j++) {
                // +1 for a sum >= 0 (+ 0f turns -0 into +0), -1 below; branch-free, as below. A NaN sum gives either
                // sign, where the DJL path takes -1: it changes nothing, the element's result is NaN either way.
                majority[j] = Math.copySign(1f, mixed[j] + 0f);
            }
            Arrays.fill(mixed, 0, len, 0f);
            float[] agreeing = result; // reused: the agreeing weights' sum, then the result
            Arrays.fill(agreeing, 0, len, 0f);
            for (int i = 0; i < models; i++) {
                float[] c = contribution[i];
                float w = weights[i];
                for (int j = 0; j < len; j++) {
                    // 1 where c has the majority's sign, else 0; for a NaN c it is NaN, not 0, which changes nothing:
                    // mixed is NaN either way (NaN * 0 stays NaN, as in libtorch), so is the result, whatever the divisor.
                    float agree = Math.max(0f, Math.signum(c[j]) * majority[j]);
                    mixed[j] += c[j] * agree; // stacked.muli(mask).sum(0)
                    agreeing[j] += agree * w;
                }
            }
            for (int j = 0; j < len; j++) {
                // agreeing, or 0 + 1 where it is (+-)0: the int term is 1 only for a zero magnitude
                divisor[j] = agreeing[j] + (((Float.floatToRawIntBits(agreeing[j]) & 0x7fffffff) - 1) >>> 31);
            }
        } else {
            Arrays.fill(divisor, 0, len, scalarDivisor);
        }
        if (normalize) {
            for (int j = 0; j < len; j++) {
                mixed[j] = mixed[j] / divisor[j];
            }
        }
        for (int j = 0; j < len; j++) {
            result[j] = base[j] + mixed[j] * lambda;
        }
    }

    /** s.delta = x_i - base for the chunk (fp32, as model.tensor().sub(base)), loading the base first if asked. */
    private void delta(Scratch s, int i, long at, int len, boolean loadBase) {
        if (loadBase) {
            load(s, s.base, 0, at, len);
        }
        load(s, s.model, modelInput(i), at, len);
        for (int j = 0; j < len; j++) {
            s.delta[j] = s.model[j] - s.base[j];
        }
    }

    /** s.mask = model i's keep mask (0 or 1) for the chunk of s.delta. */
    private void keepMask(Scratch s, int i, long at, int len) {
        switch (masks[i]) {
            case Mask.Random(long key, float density) when kept[i] != null -> {
                long[] bits = kept[i];
                for (int j = 0; j < len; j++) {
                    long e = at + j;
                    s.mask[j] = bits[(int) (e >>> 6)] >>> e & 1L; // >>> takes e's low 6 bits
                }
            }
            case Mask.Random(long key, float density) -> {
                TensorRandom.fill(key, at, s.mask, 0, len);
                for (int j = 0; j < len; j++) {
                    // u < density, branch-free (a coin flip mispredicts): the sign of u - density, which is exact (two
                    // different floats never subtract to 0) and +0 where they are equal
                    s.mask[j] = Float.floatToRawIntBits(s.mask[j] - density) >>> 31;
                }
            }
            case Mask.Magnitude(long k) when k == 0 -> Arrays.fill(s.mask, 0, len, 0f);
            case Mask.Magnitude(long k) -> {
                float threshold = lower[i];
                for (int j = 0; j < len; j++) {
                    // |delta| >= threshold, branch-free as above (a NaN delta keeps 1 here, 0 in the DJL path: NaN * 1
                    // and NaN * 0 are both NaN)
                    s.mask[j] = 1 - (Float.floatToRawIntBits(Math.abs(s.delta[j]) - threshold) >>> 31);
                }
            }
            case Mask.None() -> Arrays.fill(s.mask, 0, len, 1f);
        }
    }

    private void load(Scratch s, float[] into, int input, long at, int len) {
        TensorSlice in = inputs.get(input);
        FloatCodec.widen(in.dtype(), in.data(), at, s.bits, into, len);
    }

    /** One range's chunk-sized scratch arrays. */
    private static final class Scratch {
        final short[] bits = new short[CHUNK];
        final float[] base = new float[CHUNK];
        final float[] model = new float[CHUNK];
        final float[] delta = new float[CHUNK];
        final float[] mask = new float[CHUNK];
    }

    private interface RangeBody {
        void run(int range, long from, long to);
    }

    /** Runs {@code body} on {@link #RANGES} chunk-aligned ranges of the tensor, on all cores. */
    private void forRanges(RangeBody body) {
        long chunks = (numel + CHUNK - 1) / CHUNK;
        List<long[]> ranges = new ArrayList<>();
        for (int r = 0; r < RANGES; r++) {
            long from = Math.min(numel, chunks * r / RANGES * CHUNK);
            long to = Math.min(numel, chunks * (r + 1) / RANGES * CHUNK);
            ranges.add(new long[]{from, to});
        }
        IntStream.range(0, RANGES).parallel().forEach(r -> {
            if (ranges.get(r)[0] < ranges.get(r)[1]) {
                body.run(r, ranges.get(r)[0], ranges.get(r)[1]);
            }
        });
    }
}
