package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.merge.ParameterSpec.Gene;
import dev.amalgam.merge.ParameterSpec.Scope;

import java.util.ArrayList;
import java.util.List;

/**
 * The eight task-vector methods (spec 1.6) as one method with data, as mergekit's
 * {@code GeneralizedTaskArithmeticMerge}: sparsify each delta, weight it, optionally elect signs, sum,
 * normalise, scale by lambda and add to the base. task_arithmetic, ties, dare_ties, dare_linear,
 * breadcrumbs, breadcrumbs_ties, della and della_linear are registry entries ({@link MergeMethods})
 * differing only in the fields here and their defaults.
 *
 * @param signature      what the method declares: base required, one or more models, base-shaped embeddings
 * @param sparsification how each delta is thinned
 * @param consensus      TIES "sum" sign consensus (otherwise a plain weighted sum)
 */
record GeneralizedTaskArithmetic(MethodSignature signature, Sparsification sparsification, boolean consensus)
        implements MergeMethod {
    private static final double DIVISOR_EPS = 1e-8;

    /**
     * @param name             the registry name
     * @param defaultNormalize default of the global {@code normalize}
     * @param defaultRescale   default of the global {@code rescale}
     */
    GeneralizedTaskArithmetic(String name, Sparsification sparsification, boolean consensus,
                              boolean defaultNormalize, boolean defaultRescale) {
        this(new MethodSignature(name, MergeMethod.BaseRequirement.REQUIRED, 1, Integer.MAX_VALUE,
                        parameters(sparsification, defaultNormalize, defaultRescale),
                        MergeMethod.EmbeddingRectification.BASE_SHAPE,
                        sparsification == Sparsification.RANDOM || sparsification == Sparsification.DELLA_MAGPRUNE),
                sparsification, consensus);
    }

    private static List<ParameterSpec> parameters(Sparsification sparsification, boolean defaultNormalize,
                                                  boolean defaultRescale) {
        List<ParameterSpec> specs = new ArrayList<>(List.of(
                ParameterSpec.flag("int8_mask", false),
                ParameterSpec.flag("normalize", defaultNormalize),
                ParameterSpec.flag("rescale", defaultRescale),
                ParameterSpec.number("lambda", Scope.GLOBAL, 1.0),
                ParameterSpec.modelWeight(),
                // Without sparsification the density does nothing, so the search must not tune it.
                ParameterSpec.number("density", Scope.PER_MODEL, 1.0, 0, 1,
                        sparsification == Sparsification.NONE ? Gene.NONE : Gene.DENSITY)));
        if (sparsification == Sparsification.MAGNITUDE_OUTLIERS) {
            specs.add(ParameterSpec.number("gamma", Scope.PER_MODEL, 0.01, 0, 1, Gene.NONE));
        }
        if (sparsification == Sparsification.DELLA_MAGPRUNE) {
            specs.add(ParameterSpec.number("epsilon", Scope.PER_MODEL, 0.15, 0, 1, Gene.NONE));
        }
        return specs;
    }

    /** All deltas zero: every contribution, the sum and so the result's change are zero, for any weight or density. */
    @Override
    public boolean returnsBaseWhereModelsEqualIt() {
        return true;
    }

    /** The result is fp32 [base shape]; {@code int8_mask} only changes mergekit's mask storage, not the values. */
    @Override
    public NDArray merge(TensorMergeContext ctx) {
        NDArray base = ctx.base().tensor(); // [...]
        List<ModelTensor> models = ctx.models();
        boolean rescale = ctx.global().flag("rescale");
        float[] weights = new float[models.size()];
        NDList weighted = new NDList(models.size());
        for (int i = 0; i < models.size(); i++) {
            ModelTensor model = models.get(i);
            weights[i] = (float) model.params().number("weight");
            // Scope the per-model temporaries (abs, masks, uniforms) so they are freed model by model.
            try (NDManager scope = ctx.manager().newSubManager()) {
                NDArray delta = model.tensor().sub(base); // [...]
                delta.attach(scope);
                // apply() returns delta itself or a fresh array: either is ours to scale in place.
                NDArray contribution = sparsification.apply(delta, model, ctx, rescale).muli(weights[i]);
                contribution.attach(ctx.manager());
                weighted.add(contribution);
            }
        }
        NDArray stacked = NDArrays.stack(weighted); // [models, ...]
        weighted.close(); // stacking copied them: free before the consensus temporaries pile up
        NDArray mixed; // [...]
        NDArray divisor; // [...] or scalar
        if (consensus) {
            // The election's temporaries ([models, ...] each) live in a scope of their own, so the peak
            // stays a few tensor copies instead of every intermediate until the tensor is done.
            try (NDManager scope = ctx.manager().newSubManager()) {
                stacked.attach(scope);
                NDArray mask = SignConsensus.mask(stacked); // [models, ...]
                mixed = stacked.muli(mask).sum(new int[]{0}); // stacked is ours: mask it in place
                divisor = mask.muli(ModelAxis.column(scope, weights, base.getShape().dimension())).sum(new int[]{0});
                divisor = divisor.add(divisor.eq(0f).toType(DataType.FLOAT32, false)); // 0 -> 1
                mixed.attach(ctx.manager());
                divisor.attach(ctx.manager());
            }
        } else {
            mixed = stacked.sum(new int[]{0});
            stacked.close();
            double sum = 0;
            for (float w : weights) {
                sum += w;
            }
            divisor = ctx.manager().create((float) (Math.abs(sum) < DIVISOR_EPS ? 1 : sum));
        }
        if (ctx.global().flag("normalize")) {
            mixed = mixed.div(divisor);
        }
        return base.add(mixed.mul((float) ctx.global().number("lambda")));
    }
}
