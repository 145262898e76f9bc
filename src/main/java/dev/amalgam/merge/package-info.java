/**
 * mergekit's merge methods on DJL tensors: {@link dev.amalgam.merge.MergeMethod} (sealed, one record per
 * kind of math; the eight task-arithmetic methods are registry entries of one record, as in mergekit),
 * looked up with {@link dev.amalgam.merge.MergeMethods#byName}. The {@link dev.amalgam.merge.MergeKernel}
 * does what every method would otherwise repeat: fp32 widening, embedding rectification, and passing a
 * tensor only the base has through. The math follows
 * {@code shared/specs/merge-methods.md}; where Amalgam deliberately differs from mergekit:
 * <ul>
 *   <li>All math is fp32 whatever the recipe dtype (mergekit runs most methods in the working dtype).</li>
 *   <li>Magnitude pruning (TIES family, sce's top-k) uses k-th value selection, not a full sort;
 *       k = floor(d*numel) may be 0 (the delta becomes zero, no crash). Every element tied with the
 *       k-th largest |delta| is kept, so ties keep slightly more than k (deterministic on any device;
 *       mergekit's argsort breaks ties arbitrarily). breadcrumbs drops elements tied with its upper
 *       (outlier) threshold.</li>
 *   <li>breadcrumbs with gamma*numel &lt; 1 drops no outliers (mergekit zeroes the whole delta).</li>
 *   <li>della: a row of length 1 keeps with probability d (mergekit divides by zero). Rows are the
 *       last dimension; equal nonzero magnitudes are ranked in torch's sort order.</li>
 *   <li>Random masks (DARE, DELLA) and arcee_fusion's subsample come from
 *       {@link dev.amalgam.merge.TensorRandom}, seeded by (seed, model index, tensor name): reproducible
 *       and independent of execution order (mergekit uses the global torch RNG).</li>
 *   <li>Errors mergekit raises as exceptions (della density too close to its bounds, multislerp
 *       antipodal inputs, model_stock with one fine-tuned model, nearswap t &lt;= 0) are
 *       {@link dev.amalgam.BadInputException}s naming the tensor.</li>
 * </ul>
 */
package dev.amalgam.merge;
