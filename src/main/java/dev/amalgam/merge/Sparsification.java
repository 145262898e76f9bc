package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.BadInputException;

/**
 * How the generalised task-arithmetic methods thin out each task vector before mixing (spec 1.6
 * step 2). Every kind leaves the delta unchanged when density >= 1; otherwise the kept part is
 * optionally rescaled to the delta's L1 norm.
 */
enum Sparsification {
    /** task_arithmetic: keep everything. */
    NONE,
    /** TIES: keep the floor(d*numel) largest |delta| (k = 0 keeps nothing). */
    MAGNITUDE,
    /** DARE: keep each element with probability d. */
    RANDOM,
    /** breadcrumbs: drop the floor(gamma*numel) largest |delta| and the smallest, keep floor(d*numel). */
    MAGNITUDE_OUTLIERS,
    /** DELLA: per row, keep with a probability rising linearly with the |delta| rank from d-eps to d+eps. */
    DELLA_MAGPRUNE;

    private static final double RESCALE_EPS = 1e-7;

    /**
     * @param delta   [...] model minus base, fp32
     * @param model   the model (its density, gamma, epsilon and index)
     * @param rescale match the kept part's L1 norm to the delta's
     * @return [...] the sparsified delta
     */
    NDArray apply(NDArray delta, ModelTensor model, TensorMergeContext ctx, boolean rescale) {
        double density = model.params().number("density");
        if (this == NONE || density >= 1) {
            return delta;
        }
        NDArray mask = switch (this) { // [...] fp32 0/1
            case NONE -> throw new AssertionError();
            case MAGNITUDE -> magnitudeMask(delta, density);
            case RANDOM -> TensorRandom.uniform(delta.getManager(), ctx.seed(), model.modelIndex(), ctx.tensorName(),
                    delta.getShape()).lt((float) density).toType(DataType.FLOAT32, false);
            case MAGNITUDE_OUTLIERS -> outlierMask(delta, density, model.params().number("gamma"));
            case DELLA_MAGPRUNE -> dellaMask(delta, density, model, ctx);
        };
        NDArray kept = delta.mul(mask);
        mask.close(); // temporaries are freed as soon as they are used, to keep the tensor's peak memory low
        if (!rescale) {
            return kept;
        }
        double before = absSum(delta);
        double after = absSum(kept);
        if (before < RESCALE_EPS || after < RESCALE_EPS) {
            return kept;
        }
        return kept.muli((float) (before / after));
    }

    /** sum(|x|), without keeping |x| around. */
    private static double absSum(NDArray x) {
        try (NDArray abs = x.abs(); NDArray sum = abs.sum()) {
            return sum.getFloat();
        }
    }

    private static NDArray magnitudeMask(NDArray delta, double density) {
        long k = (long) Math.floor(density * delta.size());
        return keepRankRange(delta, 0, k);
    }

    /** mergekit keeps ascending ranks [n_bot, numel - n_top); Amalgam keeps the top too when n_top = 0. */
    private static NDArray outlierMask(NDArray delta, double density, double gamma) {
        long numel = delta.size();
        long target = (long) Math.floor(density * numel);
        long nTop = (long) Math.floor(gamma * numel);
        long nBot = numel - target - nTop;
        if (nBot < 0) {
            nTop += nBot;
            nBot = 0;
        }
        return keepRankRange(delta, nTop, numel - nBot - nTop);
    }

    /**
     * Keeps the elements whose descending |delta| rank lies in [skipTop, skipTop + count), by
     * thresholds: |delta| >= (skipTop+count)-th largest, and |delta| < skipTop-th largest. Ties with the
     * lower threshold are kept, ties with the upper one dropped (they count as outliers).
     *
     * @return [...] fp32 0/1
     */
    private static NDArray keepRankRange(NDArray delta, long skipTop, long count) {
        NDManager manager = delta.getManager();
        if (count <= 0) {
            return manager.zeros(delta.getShape());
        }
        float lower;
        float upper = Float.POSITIVE_INFINITY;
        NDArray keep; // [...] boolean
        try (NDArray magnitude = delta.abs(); NDArray flat = magnitude.flatten()) { // [...], [numel]
            lower = (float) KthLargest.of(flat, skipTop + count); // exact: the value of a float32 array
            if (skipTop > 0) {
                upper = (float) KthLargest.of(flat, skipTop);
            }
            keep = magnitude.gte(lower);
            if (skipTop > 0) {
                try (NDArray below = magnitude.lt(upper); NDArray atOrAboveLower = keep) {
                    keep = atOrAboveLower.logicalAnd(below);
                }
            }
        }
        NDArray mask = keep.toType(DataType.FLOAT32, false);
        keep.close();
        return mask;
    }

    private static NDArray dellaMask(NDArray delta, double density, ModelTensor model, TensorMergeContext ctx) {
        double epsilon = model.params().number("epsilon");
        if (density <= 0) {
            return delta.getManager().zeros(delta.getShape());
        }
        if (density - epsilon <= 0 || density + epsilon >= 1) {
            throw new BadInputException("tensor " + ctx.tensorName() + ", model " + model.modelIndex()
                    + ": della needs 0 < density - epsilon and density + epsilon < 1, got density " + density
                    + " and epsilon " + epsilon);
        }
        NDArray rows = RowMatrix.of(delta); // [rows, len]
        long len = rows.getShape().get(1);
        NDArray probability; // [rows, len]
        if (len == 1) {
            // mergekit divides 0 by 0 here; a lone element keeps the nominal density.
            probability = delta.getManager().full(rows.getShape(), (float) density);
        } else {
            // rank 0 = smallest |delta| in its row; argsort of argsort gives each element's rank.
            NDArray rank = rows.abs().argSort(1, true).argSort(1, true).toType(DataType.FLOAT32, false);
            probability = rank.mul((float) (2 * epsilon / (len - 1))).add((float) (density - epsilon));
        }
        NDArray u = TensorRandom.uniform(delta.getManager(), ctx.seed(), model.modelIndex(), ctx.tensorName(),
                rows.getShape()); // [rows, len], same element order as delta
        return u.lt(probability).toType(DataType.FLOAT32, false).reshape(delta.getShape());
    }
}
