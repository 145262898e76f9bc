package dev.amalgam.merge;

import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.TensorSlice;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which tensors {@link JavaCpuKernel} merges on a CPU and with what settings: linear without a base, and the
 * task-arithmetic methods with a base whose sparsification is none, magnitude (ties) or DARE's random mask, for float
 * inputs of the output's shape. Also the memory that path holds, for the search's memory plan.
 */
final class CpuFastPath {
    private static final Set<DType> WIDENABLE = EnumSet.of(DType.F32, DType.BF16, DType.F16);

    private CpuFastPath() {
    }

    /** How one model's delta is thinned: not at all, its k largest |delta| kept, or a DARE mask. */
    sealed interface Mask {
        record None() implements Mask {
        }

        /** Keeps |delta| >= the k-th largest |delta| (none when k = 0), as {@link Sparsification#MAGNITUDE}. */
        record Magnitude(long k) implements Mask {
        }

        /** Keeps an element where its uniform from {@link TensorRandom}'s stream {@code key} is below the density. */
        record Random(long key, float density) implements Mask {
        }
    }

    /**
     * The kernel for {@code t}, or null where it does not apply (another method, della/breadcrumbs, a shape to cut,
     * an input that is not a float type or not a single tensor of the output's shape). {@code kept}, when not null, keeps
     * random masks' rescale levels across merges of the same inputs ({@link RescaleNorms}).
     */
    static JavaCpuKernel kernel(MergeMethod method, PlannedTensor t, List<TensorSlice> slices, long seed, RescaleNorms.Cache kept) {
        if (!covers(method, slices.stream().map(TensorSlice::dtype).collect(Collectors.toSet()))
                || slices.stream().anyMatch(s -> !Arrays.equals(s.shape(), t.outShape()))) {
            return null;
        }
        boolean linear = method instanceof LinearMerge;
        if (linear != (t.base() == null)) {
            return null;
        }
        int models = t.inputs().size();
        float[] weights = new float[models];
        for (int i = 0; i < models; i++) {
            weights[i] = (float) t.inputs().get(i).params().number("weight");
        }
        if (linear) {
            double weightSum = 0;
            for (PlannedTensor.PlannedInput in : t.inputs()) {
                weightSum += in.params().number("weight"); // in double, as LinearMerge sums them
            }
            return new JavaCpuKernel(slices, true, new Mask[models], false,
                    new FamilyCombination(weights, false, t.global().flag("normalize"), (float) weightSum, 1f), null, null);
        }
        GeneralizedTaskArithmetic gta = (GeneralizedTaskArithmetic) method;
        Mask[] masks = new Mask[models];
        RescaleNorms.Cache.Key[] normKeys = new RescaleNorms.Cache.Key[models];
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
                case MAGNITUDE_OUTLIERS, DELLA_MAGPRUNE -> throw new IllegalStateException(gta.sparsification() + " is not covered");
            };
            if (masks[i] instanceof Mask.Random random) {
                TensorSlice model = slices.get(i + 1);
                TensorSlice base = slices.getFirst();
                normKeys[i] = new RescaleNorms.Cache.Key(random.key(), model.file(), model.name(), base.file(), base.name());
            }
        }
        float divisor = (float) (Math.abs(weightSum) < 1e-8 ? 1 : weightSum); // as GeneralizedTaskArithmetic
        return new JavaCpuKernel(slices, false, masks, t.global().flag("rescale"), new FamilyCombination(weights, gta.consensus(),
                t.global().flag("normalize"), divisor, (float) t.global().number("lambda")), kept, normKeys);
    }

    /**
     * Whether a merge by {@code method} of inputs stored in {@code dtypes} takes this path on a CPU, for tensors of the
     * output's shape (all of a search's): then {@link #workingSet} bounds what a tensor's merge holds.
     */
    static boolean covers(MergeMethod method, Set<DType> dtypes) {
        return WIDENABLE.containsAll(dtypes) && (method instanceof LinearMerge || method instanceof GeneralizedTaskArithmetic g
                && g.sparsification() != Sparsification.MAGNITUDE_OUTLIERS && g.sparsification() != Sparsification.DELLA_MAGPRUNE);
    }

    /**
     * Heap bytes one tensor's merge by {@code method} holds, for {@code models} models and a largest tensor of
     * {@code largest} elements: per model, TIES' magnitude histograms (one per thread, at most
     * {@link ChunkRanges#RANGES}, of {@link RadixSelect#HIGH} int counts, and their long sums), DARE's rescale levels
     * (per range and summed, 4097 doubles each), and its sample of |delta| ({@link ThresholdGuess}, 64 x 1024 floats,
     * the models' on all cores at once); per range, its chunk scratch: the base, a model, a delta, a mask, and the codec's
     * int pairs, then a result and one row per model in the final pass, a mask's stream values in the norms' pass or the
     * histogram's counter indices in TIES' first radix pass (a row's bytes each), and random masks' bits (half a row);
     * for TIES, per model, a {@link BracketCount}'s kept values (at most a sixteenth of the largest tensor's and two
     * chunks a range, in floats) and, at most, a copy of them for the selection (one bucket's); for DARE, two models'
     * masks over the tensor as the norms' pass drew them (an int per 16 elements: a sixteenth of the largest fp32
     * tensor). A search's kept levels are apart from this (32 KiB per tensor and model, on the JVM heap).
     */
    static long workingSet(MergeMethod method, int models, long largest) {
        long sample = (long) ThresholdGuess.SEGMENTS * ThresholdGuess.SEGMENT * Float.BYTES;
        long perModel = (ChunkRanges.RANGES * Integer.BYTES + Long.BYTES) * (long) RadixSelect.HIGH
                + (ChunkRanges.RANGES + 1L) * (RescaleNorms.LEVELS + 1) * Double.BYTES + sample;
        long perTensor = 0;
        if (method instanceof GeneralizedTaskArithmetic g && g.sparsification() == Sparsification.MAGNITUDE) {
            perModel += 2 * BracketCount.room(largest) * Float.BYTES;
        }
        if (method instanceof GeneralizedTaskArithmetic g && g.sparsification() == Sparsification.RANDOM) {
            perTensor = largest / RescaleNorms.DIRECT_LANES * Integer.BYTES;
        }
        long perRange = (models + 7L) * ChunkRanges.CHUNK * Float.BYTES + (long) KernelInputs.Scratch.DRAWN * Integer.BYTES;
        return models * perModel + perTensor + ChunkRanges.RANGES * perRange;
    }
}
