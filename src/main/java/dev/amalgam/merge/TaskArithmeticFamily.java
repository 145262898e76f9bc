package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;

/** The eight generalised task-arithmetic methods: each is a name bound to a {@link GeneralizedTaskArithmetic}. */
sealed interface TaskArithmeticFamily extends MergeMethod
        permits TaskArithmeticMerge, TiesMerge, DareTiesMerge, DareLinearMerge, BreadcrumbsMerge,
        BreadcrumbsTiesMerge, DellaMerge, DellaLinearMerge {

    GeneralizedTaskArithmetic math();

    @Override
    default MethodSignature signature() {
        return math().signature();
    }

    @Override
    default NDArray merge(TensorMergeContext ctx) {
        return math().merge(ctx);
    }
}
