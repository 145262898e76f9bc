package dev.amalgam.zoo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.amalgam.eval.RequestEncoder;
import dev.amalgam.eval.TokenRequest;
import dev.amalgam.llm.LlamaModel;
import dev.amalgam.llm.ModelWeights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Fine-tunes a {@link LlamaModel} in place on multiple-choice rows, through the same forward pass that scores
 * them: the loss is the cross-entropy of the gold choice's tokens after the context, encoded exactly as the
 * evaluator encodes the request ({@link RequestEncoder}), averaged over the rows of a batch. Only the recipe's
 * tensors get gradients and Adam updates.
 */
public final class FineTuner {
    /** Element-wise gradient clip: a safety net against a rare spike (Adam normalises step sizes anyway). */
    private static final float GRADIENT_CLIP = 1.0f;
    private final LlamaModel model;
    private final RequestEncoder encoder;

    public FineTuner(LlamaModel model, RequestEncoder encoder) {
        this.model = model;
        this.encoder = encoder;
    }

    /**
     * Runs {@code recipe.steps()} Adam steps on batches drawn from {@code rows} (seeded epochs of a shuffled
     * order) and reports each finished step to {@code onStep}. Returns the mean loss of the last step.
     */
    public double train(List<SkillItem> rows, FineTuneRecipe recipe, long seed, IntConsumer onStep) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no rows to train on");
        }
        List<TokenRequest> requests = rows.stream().map(r -> encoder.encode(r.context(), " " + r.correctChoice())).toList();
        ModelWeights weights = model.weights();
        List<String> trained = weights.names().stream().filter(recipe::trains).toList();
        if (trained.isEmpty()) {
            throw new IllegalArgumentException("trained-tensor pattern '" + recipe.trainedTensors() + "' matches no tensor");
        }
        trained.forEach(name -> weights.get(name).setRequiresGradient(true));
        try (NDManager optimizerState = NDManager.newBaseManager(model.device())) {
            AdamOptimizer adam = new AdamOptimizer(optimizerState, (float) recipe.learningRate(), GRADIENT_CLIP);
            Random random = new Random(seed);
            List<Integer> order = new ArrayList<>();
            double loss = Double.NaN;
            for (int step = 0; step < recipe.steps(); step++) {
                List<TokenRequest> batch = new ArrayList<>(recipe.batchSize());
                for (int i = 0; i < recipe.batchSize(); i++) {
                    if (order.isEmpty()) {
                        IntStream.range(0, requests.size()).forEach(order::add);
                        Collections.shuffle(order, random);
                    }
                    batch.add(requests.get(order.removeLast()));
                }
                try (NDManager scope = NDManager.newBaseManager(model.device())) {
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray batchLoss = loss(scope, batch);
                        collector.backward(batchLoss);
                        loss = batchLoss.getFloat();
                    }
                    if (!Double.isFinite(loss)) {
                        throw new IllegalStateException("fine-tuning diverged: loss " + loss + " at step " + (step + 1));
                    }
                    // Updates run after the collector closed: in-place writes to a leaf that requires grad are
                    // only allowed with gradient recording off.
                    for (String name : trained) {
                        NDArray weight = weights.get(name);
                        try (NDArray gradient = weight.getGradient()) {
                            adam.update(name, weight, gradient);
                            gradient.muli(0); // PyTorch accumulates gradients across backward calls
                        }
                    }
                }
                onStep.accept(step + 1);
            }
            return loss;
        } finally {
            trained.forEach(name -> weights.get(name).setRequiresGradient(false));
        }
    }

    /**
     * Mean over rows of the summed negative log-likelihood of each row's continuation tokens. Inputs are
     * the request tokens minus the last (right-padded); position p predicts token p + 1.
     */
    private NDArray loss(NDManager scope, List<TokenRequest> batch) {
        int rows = batch.size();
        int seq = batch.stream().mapToInt(r -> r.tokens().length - 1).max().orElseThrow();
        int[][] input = new int[rows][seq];
        int[] lengths = new int[rows];
        List<long[]> picks = new ArrayList<>(); // (flat position, target token)
        for (int r = 0; r < rows; r++) {
            int[] tokens = batch.get(r).tokens();
            lengths[r] = tokens.length - 1;
            System.arraycopy(tokens, 0, input[r], 0, lengths[r]);
            for (int p = tokens.length - 1 - batch.get(r).continuationLength(); p < tokens.length - 1; p++) {
                picks.add(new long[]{(long) r * seq + p, tokens[p + 1]});
            }
        }
        long[] positions = picks.stream().mapToLong(p -> p[0]).toArray();
        long[] targets = picks.stream().mapToLong(p -> p[1]).toArray();
        NDArray logits = model.logits(scope, input, lengths); // [rows, seq, vocab]
        NDArray logProbs = logits.reshape(-1, model.vocabSize()).get(new NDIndex("{}", scope.create(positions)))
                .logSoftmax(1); // [picks, vocab]
        NDArray gold = logProbs.gather(scope.create(targets, new Shape(targets.length, 1)), 1); // [picks, 1]
        // Not div(Number): DJL frees that scalar's Java buffer at once, and backward reads it (GradientAfterScopeTest).
        return gold.sum().neg().div(scope.create((float) rows));
    }
}
