package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

import java.util.List;

/** The eight generalised task-arithmetic methods: each is a name bound to a {@link GeneralizedTaskArithmetic}. */
sealed interface TaskArithmeticFamily extends MergeMethod
        permits TaskArithmeticMerge, TiesMerge, DareTiesMerge, DareLinearMerge, BreadcrumbsMerge,
        BreadcrumbsTiesMerge, DellaMerge, DellaLinearMerge {

    GeneralizedTaskArithmetic math();

    @Override
    default String name() {
        return math().name();
    }

    @Override
    default BaseRequirement baseRequirement() {
        return BaseRequirement.REQUIRED;
    }

    @Override
    default int minModels() {
        return 1;
    }

    @Override
    default int maxModels() {
        return Integer.MAX_VALUE;
    }

    @Override
    default List<ParameterSpec> parameters() {
        return math().parameters();
    }

    @Override
    default EmbeddingRectification embeddingRectification() {
        return EmbeddingRectification.BASE_SHAPE;
    }

    @Override
    default boolean isRandom() {
        return math().sparsification() == Sparsification.RANDOM
                || math().sparsification() == Sparsification.DELLA_MAGPRUNE;
    }

    @Override
    default NDArray merge(TensorMergeContext ctx) {
        return math().merge(ctx);
    }
}
