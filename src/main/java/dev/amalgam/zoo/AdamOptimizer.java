package dev.amalgam.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015) with bias correction and an element-wise gradient clip, written with plain NDArray ops.
 * DJL's {@code Optimizer.adam()} (PyTorch's native {@code adamUpdate}) gave different weights when the same seeded
 * fine-tune ran twice in one process (measured: 90% then 84% validation accuracy); with these ops the two runs
 * gave the same accuracies.
 * Moments live in {@code manager}; updates write the weight in place, so call {@link #update} with gradient
 * recording off.
 */
final class AdamOptimizer {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private final NDManager manager;
    private final float learningRate;
    private final float clip;
    private final Map<String, NDArray[]> moments = new HashMap<>(); // name -> {m, v}, each shaped like the weight
    private final Map<String, Integer> steps = new HashMap<>();

    AdamOptimizer(NDManager manager, float learningRate, float clip) {
        this.manager = manager;
        this.learningRate = learningRate;
        this.clip = clip;
    }

    /** One step on {@code weight} (in place) from {@code gradient}. */
    void update(String name, NDArray weight, NDArray gradient) {
        NDArray[] mv = moments.computeIfAbsent(name, n -> new NDArray[]{manager.zeros(weight.getShape()), manager.zeros(weight.getShape())});
        int t = steps.merge(name, 1, Integer::sum);
        try (NDManager scope = manager.newSubManager()) {
            NDArray g = gradient.clip(-clip, clip);
            g.attach(scope);
            mv[0].muli(BETA1).addi(scoped(scope, g.mul(1 - BETA1)));
            mv[1].muli(BETA2).addi(scoped(scope, g.square()).muli(1 - BETA2));
            float correction1 = (float) (1 - Math.pow(BETA1, t));
            float correction2 = (float) (1 - Math.pow(BETA2, t));
            NDArray denominator = scoped(scope, scoped(scope, mv[1].div(correction2)).sqrt()).addi(EPSILON);
            NDArray step = scoped(scope, mv[0].mul(learningRate / correction1)).divi(denominator);
            weight.subi(step);
        }
    }

    /** Results of ops on long-lived arrays land in their managers: move temporaries to the step's scope. */
    private static NDArray scoped(NDManager scope, NDArray a) {
        a.attach(scope);
        return a;
    }
}
