package dev.amalgam.merge;

import dev.amalgam.merge.CpuFastPath.Mask;
import dev.amalgam.merge.KernelInputs.Scratch;
import dev.amalgam.safetensors.Encoding;
import dev.amalgam.safetensors.FloatCodec;
import dev.amalgam.safetensors.FloatLanes;
import dev.amalgam.safetensors.TensorSlice;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;

import static dev.amalgam.merge.ChunkRanges.CHUNK;
import static dev.amalgam.merge.ChunkRanges.RANGES;

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
 * ties sorted with topk. Here a tensor is 1 pass (linear), 1 or 2 (dare_ties: the rescale norms, unless a search kept
 * them ({@link RescaleNorms}), then the result; each pass draws the masks, but the norms' pass in the lanes keeps two
 * models' masks for the result's, numel / 8 bytes a model) or 1 to 7, usually 1 or 2 (ties: the result alone where a sample's
 * guesses of the k-th largest |delta| hold, which that pass counts ({@link #onGuesses}), else first
 * {@link MagnitudeThresholds}' pass over the sample's bracket, or where it does not hold one or two radix-select
 * passes, and after a guess that missed, those passes and the result again; under rescale the thresholds' passes, the
 * norms' and the result's). Per-range sums are kept in locals: ranges' slots of one array share cache lines, and
 * counting into them from both cores cost more than the counting.
 * The loops are written so that the JIT vectorizes them (see {@link FloatCodec#widen}, {@link TensorRandom#thin});
 * the result's pass runs in the Vector API's registers, straight into the target's memory, where the target lends it
 * ({@link ChunkTarget#window}; {@link LinearLanes}, {@link FamilyLanes}), and so do DARE's direct norms ({@link NormLanes}).
 */
final class JavaCpuKernel {
    private final KernelInputs in;
    private final boolean linear;
    private final float[] weights; // per model (inputs after the base)
    private final Mask[] masks;
    private final float[] lower; // per model, the Magnitude threshold once found
    private final float[] factor; // per model, the rescale factor (NaN where a norm is: it spreads, as in DJL)
    private final boolean[] scaled; // per model, whether the rescale factor applies
    private final boolean rescale;
    private final FamilyCombination family; // linear uses its normalize and scalarDivisor (the weight sum)
    private final RescaleNorms.Cache kept; // a search's rescale levels, or null
    private final RescaleNorms.Cache.Key[] normKeys; // per model, its levels' key where kept is not null
    private int[] drawn; // two random masks over the tensor's whole vectors, as NormLanes' pass drew them, or null

    /**
     * Built by {@link CpuFastPath#kernel}: {@code masks}, {@code family} and {@code normKeys} per model (the inputs after
     * the base); {@code kept} (or null) keeps random masks' rescale levels across merges.
     */
    JavaCpuKernel(List<TensorSlice> inputs, boolean linear, Mask[] masks, boolean rescale, FamilyCombination family,
                  RescaleNorms.Cache kept, RescaleNorms.Cache.Key[] normKeys) {
        this.in = new KernelInputs(inputs, linear);
        this.linear = linear;
        this.weights = family.weights();
        this.masks = masks;
        this.lower = new float[weights.length];
        this.factor = new float[weights.length];
        this.scaled = new boolean[weights.length];
        this.rescale = rescale;
        this.family = family;
        this.kept = kept;
        this.normKeys = normKeys;
    }

    /**
     * Merges chunk by chunk into {@code out}.
     *
     * @return the number of non-finite values in the result
     */
    long run(ChunkTarget out) {
        long[] nonFinite = new long[1];
        drawn = null;
        in.guarded(() -> {
            int[] magnitude = models(m -> m instanceof Mask.Magnitude(long k) && k > 0);
            long[] k = Arrays.stream(magnitude).mapToLong(m -> ((Mask.Magnitude) masks[m]).k()).toArray();
            if (magnitude.length > 0 && !rescale) {
                nonFinite[0] = onGuesses(out, magnitude, k);
                return;
            }
            if (magnitude.length > 0) { // the rescale factors need the exact thresholds first
                setThresholds(magnitude, MagnitudeThresholds.find(in, magnitude, k));
            }
            if (rescale) {
                rescaleFactors();
            }
            nonFinite[0] = finalPass(out, null, null);
        });
        return nonFinite[0];
    }

    /** How many passes over the inputs the last {@link #run} took (for tests: the threshold guess's saving shows here). */
    int passesRun() {
        return in.passes();
    }

    /** Non-finite values of input {@code input} (base first), counted only when the result has some. */
    long nonFinite(int input) {
        return in.nonFinite(input);
    }

    /** The models (indices after the base) whose mask matches {@code test}. */
    private int[] models(Predicate<Mask> test) {
        return IntStream.range(0, masks.length).filter(i -> test.test(masks[i])).toArray();
    }

    /**
     * TIES without rescale, in one pass where the sample's guesses hold: the final pass runs on each guessed model's
     * guess (the radix passes first for the models without one) and counts, as it goes, whether the guess is the k-th
     * largest |delta| ({@link MagnitudeThresholds.GuessCount}); where a guess was not, the radix passes find the
     * thresholds of the models it missed, and the final pass runs again into a restarted target. A fine-tune's deltas
     * repeat their values, so the guesses usually hold (every one of the 1.1B benchmark's, at deltas of 5% of the
     * weights), and a miss costs one final pass more than proving the guesses in a pass of their own would have.
     */
    private long onGuesses(ChunkTarget out, int[] magnitude, long[] k) {
        MagnitudeThresholds.Estimates estimates = MagnitudeThresholds.estimates(in, magnitude, k);
        float[] found = estimates.guesses();
        int[] tried = MagnitudeThresholds.guessed(found); // into magnitude
        MagnitudeThresholds.exact(in, magnitude, k, IntStream.range(0, magnitude.length)
                .filter(m -> Float.isNaN(found[m])).toArray(), found, estimates.brackets());
        setThresholds(magnitude, found);
        if (tried.length == 0) {
            return finalPass(out, null, null);
        }
        MagnitudeThresholds.GuessCount count = new MagnitudeThresholds.GuessCount(MagnitudeThresholds.pick(found, tried));
        int[] counted = new int[masks.length]; // per model, its index in count, or -1
        Arrays.fill(counted, -1);
        for (int t = 0; t < tried.length; t++) {
            counted[magnitude[tried[t]]] = t;
        }
        long nonFinite = finalPass(out, count, counted);
        int[] missed = IntStream.range(0, tried.length).filter(t -> !count.settles(t, in.numel(), k[tried[t]]))
                .map(t -> tried[t]).toArray(); // into magnitude
        if (missed.length == 0) {
            return nonFinite;
        }
        MagnitudeThresholds.exact(in, magnitude, k, missed, found, estimates.brackets()); // no bracket: the radix passes
        setThresholds(magnitude, found);
        out.restart();
        return finalPass(out, null, null);
    }

    /** Each magnitude-masked model's threshold: {@code found[m]} for model {@code magnitude[m]}. */
    private void setThresholds(int[] magnitude, float[] found) {
        for (int m = 0; m < magnitude.length; m++) {
            lower[magnitude[m]] = found[m];
        }
    }

    /**
     * The rescale factor of every masked model. A random mask's norms come from its {@link RescaleNorms} levels: the
     * search's kept ones where its density is on their grid, else summed, with the other masks' norms, in one pass that
     * widens the base once per chunk.
     */
    private void rescaleFactors() {
        int[] masked = models(m -> !(m instanceof Mask.None));
        double[][] norms = new double[masks.length][]; // [model] {before, after}
        for (int i : masked) {
            if (masks[i] instanceof Mask.Random(long key, float density)) {
                norms[i] = RescaleNorms.fromKept(kept, normKeys[i], density);
            }
        }
        int[] pending = Arrays.stream(masked).filter(i -> norms[i] == null).toArray();
        if (pending.length > 0) {
            summedNorms(pending, norms);
        }
        for (int i : masked) {
            double b = norms[i][0];
            double a = norms[i][1];
            if (!(b < 1e-7 || a < 1e-7)) { // Sparsification's RESCALE_EPS test: a NaN norm rescales (and spreads NaN)
                factor[i] = (float) (b / a);
                scaled[i] = true;
            }
        }
    }

    /**
     * The norms of {@code models} into {@code norms}, in one pass: a random mask's from its levels where a search keeps
     * them, else summed directly ({@link NormLanes} where every model's is, else {@link RescaleNorms#addDirect}),
     * another's as {@link RescaleNorms#addL1}. Each range sums into its own arrays.
     */
    private void summedNorms(int[] models, double[][] norms) {
        double[][][] sums = new double[models.length][RANGES][]; // [model, range]: levels + the partial level, 2 x 16 lanes, or {before, after}
        boolean levels = kept != null;
        if (!levels && Arrays.stream(models).allMatch(i -> masks[i] instanceof Mask.Random) && FloatCodec.lanes()
                && NormLanes.serves(in.slices())) {
            drawn = NormLanes.pass(in, models, Arrays.stream(models).mapToObj(i -> (Mask.Random) masks[i]).toArray(Mask.Random[]::new),
                    models.length == 2 && masks.length == 2, sums);
        } else {
            in.eachDeltaChunk(models, r -> {
                int[] top = new int[CHUNK]; // a random mask's stream values: only this pass needs them
                double[][] own = new double[models.length][];
                for (int m = 0; m < models.length; m++) {
                    own[m] = sums[m][r] = new double[!(masks[models[m]] instanceof Mask.Random) ? 2
                            : levels ? RescaleNorms.LEVELS + 1 : 2 * RescaleNorms.DIRECT_LANES];
                }
                return (m, at, s, len) -> {
                    if (masks[models[m]] instanceof Mask.Random(long key, float density) && levels) {
                        TensorRandom.fillTop(key, at, top, len);
                        own[m][RescaleNorms.LEVELS] += RescaleNorms.addLevels(top, s.delta, len, TensorRandom.threshold(density), own[m]);
                    } else if (masks[models[m]] instanceof Mask.Random(long key, float density)) {
                        RescaleNorms.addDirect(key, at, TensorRandom.threshold(density), s.delta, len, top, own[m]);
                    } else {
                        keepMask(s, models[m], len);
                        RescaleNorms.addL1(s.delta, s.mask, len, own[m]);
                    }
                };
            });
        }
        for (int m = 0; m < models.length; m++) {
            int i = models[m];
            double[] total = RescaleNorms.sumRanges(sums[m]);
            norms[i] = !(masks[i] instanceof Mask.Random(long key, float density)) ? total
                    : levels ? RescaleNorms.fromPass(total, density, kept, normKeys[i]) : RescaleNorms.fromDirect(total);
        }
    }

    /**
     * The result, chunk by chunk; returns how many of its values are not finite. With a {@code guessCount}, the magnitude
     * thresholds of the models whose {@code counted} index is not -1 are its guesses, and their |delta| are counted.
     */
    private long finalPass(ChunkTarget out, MagnitudeThresholds.GuessCount guessCount, int[] counted) {
        long[] nonFinite = new long[RANGES];
        int models = weights.length;
        Encoding encoding = out.encoding();
        ChunkLanes lanes = lanes(encoding);
        in.forRanges((r, from, to) -> {
            MagnitudeThresholds.ChunkSink counter = guessCount == null ? null : guessCount.range(r);
            long[] atMost = guessCount == null ? null : new long[guessCount.size()]; // the lanes' counts
            long[] below = guessCount == null ? null : new long[guessCount.size()];
            Scratch s = Scratch.local();
            float[] result = s.result;
            float[][] contribution = linear ? null : s.contributions(models); // [models, chunk]
            long count = 0; // summed locally, as in nonFinite
            for (long at = from; at < to; at += CHUNK) {
                int len = (int) Math.min(CHUNK, to - at);
                if (lanes == null) {
                    plainChunk(s, at, len, result, contribution, counter, counted);
                    count += FloatCodec.nonFinite(result, len);
                    out.put(at, result, len);
                    continue;
                }
                MemorySegment window = out.window(at, len);
                int vectors = len - len % FloatLanes.LANES;
                count += lanes.chunk(at, vectors, encoding, window, counted, atMost, below, s);
                if (vectors < len) { // the last elements, fewer than a vector's
                    plainChunk(s, at + vectors, len - vectors, result, contribution, counter, counted);
                    count += FloatCodec.nonFinite(result, len - vectors);
                    FloatCodec.encode(encoding, result, len - vectors, window.asSlice((long) vectors * encoding.stored().byteSize()), s.codec);
                }
            }
            if (guessCount != null) {
                guessCount.add(r, atMost, below);
            }
            nonFinite[r] = count;
        });
        return Arrays.stream(nonFinite).sum();
    }

    /** The result's pass in registers where the target lends its memory and the lanes serve these inputs, else null. */
    private ChunkLanes lanes(Encoding encoding) {
        if (!FloatCodec.lanes()) {
            return null;
        }
        if (linear) {
            return LinearLanes.serves(in.slices(), encoding)
                    ? new LinearLanes(in.slices(), weights, family.normalize() ? family.scalarDivisor() : 1f) : null;
        }
        return FamilyLanes.serves(in.slices(), masks, factor, scaled, family.consensus(), encoding)
                ? FamilyLanes.of(in.slices(), masks, lower, factor, scaled, family, drawn) : null;
    }

    /** The result of elements {@code [at, at + len)} into {@code result}, with the plain loops (see {@link #finalPass}). */
    private void plainChunk(Scratch s, long at, int len, float[] result, float[][] contribution,
                            MagnitudeThresholds.ChunkSink counter, int[] counted) {
        if (linear) {
            linearChunk(s, at, len, result);
            return;
        }
        in.load(s, s.base, 0, at, len);
        for (int i = 0; i < contribution.length; i++) {
            contribution(s, i, at, len, contribution[i]);
            if (counter != null && counted[i] >= 0) {
                counter.accept(counted[i], s.delta, len); // contribution left the delta there
            }
        }
        family.combine(s.base, contribution, len, result, s.delta, s.mask);
    }

    /**
     * LinearMerge's ops: sum = x0 * w0, then sum += xi * wi, then sum / (float) weight sum, each rounded as libtorch
     * rounds it (Java never fuses a multiply and an add). Model 0's chunk waits in s.base (linear has no base) so that
     * model 1's loop forms both products, and the last model's loop divides: one loop for two models, not three.
     */
    private void linearChunk(Scratch s, long at, int len, float[] result) {
        int last = weights.length - 1;
        float d = family.normalize() ? family.scalarDivisor() : 1f; // x / 1 is x, bit for bit
        float w0 = weights[0];
        float[] x0 = s.base;
        in.load(s, x0, 0, at, len);
        if (last == 0) {
            for (int j = 0; j < len; j++) {
                result[j] = x0[j] * w0 / d;
            }
            return;
        }
        for (int i = 1; i <= last; i++) {
            in.load(s, s.model, i, at, len);
            float w = weights[i];
            float[] x = s.model;
            float divisor = i == last ? d : 1f;
            if (i == 1) {
                for (int j = 0; j < len; j++) {
                    result[j] = (x0[j] * w0 + x[j] * w) / divisor; // x * w rounded, then added: two roundings, as libtorch's mul and add
                }
            } else {
                for (int j = 0; j < len; j++) {
                    result[j] = (result[j] + x[j] * w) / divisor;
                }
            }
        }
    }

    /**
     * Model i's weighted, thinned delta for the chunk (s.base loaded), into {@code out}: delta.mul(mask), times the
     * rescale factor, times w, or delta.muli(w) without a mask. The delta is formed in the same loop (the same fp32
     * ops per element as {@link KernelInputs#delta}), and so is a magnitude mask (as {@link #keepMask}'s; the delta is left in
     * s.delta, for a threshold guess's count) or a random one ({@link TensorRandom#thin}).
     */
    private void contribution(Scratch s, int i, long at, int len, float[] out) {
        in.load(s, s.model, in.modelInput(i), at, len);
        float[] x = s.model;
        float[] base = s.base;
        float w = weights[i];
        float f = factor[i];
        boolean rescaled = scaled[i];
        switch (masks[i]) {
            case Mask.None() -> {
                for (int j = 0; j < len; j++) {
                    out[j] = (x[j] - base[j]) * w;
                }
            }
            case Mask.Magnitude(long k) when k > 0 -> {
                float threshold = lower[i];
                float[] deltas = s.delta;
                for (int j = 0; j < len; j++) {
                    float delta = x[j] - base[j];
                    deltas[j] = delta;
                    float kept = delta * magnitudeMask(delta, threshold);
                    if (rescaled) {
                        kept = kept * f;
                    }
                    out[j] = kept * w;
                }
            }
            case Mask.Random(long key, float density) -> TensorRandom.thin(key, at, density, x, base, rescaled, f, w, out, len);
            default -> { // k = 0: a mask that does not depend on the delta
                keepMask(s, i, len);
                for (int j = 0; j < len; j++) {
                    float kept = (x[j] - base[j]) * s.mask[j];
                    if (rescaled) {
                        kept = kept * f;
                    }
                    out[j] = kept * w;
                }
            }
        }
    }

    /** s.mask = model i's keep mask (0 or 1) for the chunk of s.delta. */
    private void keepMask(Scratch s, int i, int len) {
        switch (masks[i]) {
            case Mask.Random r -> throw new IllegalStateException("a random mask is applied as it is drawn (TensorRandom.thin)");
            case Mask.Magnitude(long k) when k == 0 -> Arrays.fill(s.mask, 0, len, 0f);
            case Mask.Magnitude(long k) -> {
                float threshold = lower[i];
                for (int j = 0; j < len; j++) {
                    s.mask[j] = magnitudeMask(s.delta[j], threshold);
                }
            }
            case Mask.None() -> Arrays.fill(s.mask, 0, len, 1f);
        }
    }

    /**
     * The magnitude mask of one delta, |delta| >= threshold: signum + 1 is 0 below, 1 at and 2 above it. Branch-free (a
     * coin flip mispredicts) and vectorized (a test on the bits is not). A NaN delta gives NaN here, 0 in the DJL path:
     * NaN * NaN and NaN * 0 are both NaN.
     */
    private static float magnitudeMask(float delta, float threshold) {
        return Math.min(1f, Math.signum(Math.abs(delta) - threshold) + 1f);
    }
}
