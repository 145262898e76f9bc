package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.Optional;

/**
 * A merge method: the math that turns one tensor from each input model into one output tensor.
 * The set is closed (mergekit's registry), so the interface is sealed: one record per kind of math, and
 * methods that differ only in settings (the task-arithmetic family) are registry entries of one record.
 * Each method declares its signature as data ({@link #signature()}), which the recipe validator and the
 * evolve genome read.
 *
 * <p>Contract for {@link #merge}: there is at least one model besides the base (the kernel passes a
 * tensor only the base has through itself); every input is fp32 and already rectified to a common shape by
 * the kernel (see {@link #embeddingRectification()}); the result is fp32, attached to
 * {@code ctx.manager()}, and has the output shape. Inputs must not be modified in place (they may
 * be zero-copy views of read-only memory maps).
 */
public sealed interface MergeMethod
        permits LinearMerge, SlerpMerge, NuslerpMerge, MultislerpMerge, KarcherMerge, GeneralizedTaskArithmetic,
        ModelStockMerge, SceMerge, RamMerge, RamPlusTensorLocalMerge, NearswapMerge, ArceeFusionMerge, PassthroughMerge {
    /** Name, base requirement, model count, parameters, embedding handling and randomness, as data. */
    MethodSignature signature();

    /** The mergekit registry name, e.g. {@code dare_ties}. */
    default String name() {
        return signature().name();
    }

    default BaseRequirement baseRequirement() {
        return signature().baseRequirement();
    }

    /** Fewest non-base models this method accepts (after the base is taken out when it needs one). */
    default int minModels() {
        return signature().minModels();
    }

    /** Most non-base models, or {@link Integer#MAX_VALUE}. */
    default int maxModels() {
        return signature().maxModels();
    }

    /** Global and per-model parameters with their defaults and bounds. */
    default List<ParameterSpec> parameters() {
        return signature().parameters();
    }

    /** How the kernel reconciles embedding / lm_head matrices of different vocabulary sizes. */
    default EmbeddingRectification embeddingRectification() {
        return signature().embeddingRectification();
    }

    /** True if the method draws random masks or samples (DARE, DELLA, arcee_fusion): the result depends on the seed. */
    default boolean isRandom() {
        return signature().random();
    }

    /**
     * Whether the merged tensor is the base wherever every model equals the base, whatever the parameters: the search
     * then leaves out the genes of tensor groups no model changed.
     */
    default boolean returnsBaseWhereModelsEqualIt() {
        return false;
    }

    /**
     * The global flag under which the method divides by the plain sum of the models' weights (linear's
     * {@code normalize}), which the planner checks is not zero; empty for methods that guard the division themselves.
     */
    default Optional<String> weightSumFlag() {
        return Optional.empty();
    }

    NDArray merge(TensorMergeContext ctx);

    enum BaseRequirement {
        /** No base: a listed base model is just another input in {@code ctx.models()}. */
        NONE,
        /** Uses {@code ctx.base()} when the recipe names one. */
        OPTIONAL,
        /** {@code ctx.base()} is never null. */
        REQUIRED
    }

    enum EmbeddingRectification {
        /** Cut every 2-D embedding to the largest common sub-matrix (min rows, min cols). */
        COMMON_SUBMATRIX,
        /** Cut each model's embedding to the base's shape (fails if a model is smaller). */
        BASE_SHAPE,
        /** No rectification: a shape mismatch is an error. */
        NONE
    }
}
