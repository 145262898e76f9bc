package dev.amalgam.zoo;

import java.util.regex.Pattern;

/**
 * How a specialist is fine-tuned from the base: Adam at a fixed learning rate for {@code steps} mini-batches
 * of {@code batchSize} train rows, updating only the tensors whose name matches {@code trainedTensors}
 * (every other tensor stays bit-identical to the base, as in a real partial fine-tune).
 */
public record FineTuneRecipe(int steps, int batchSize, double learningRate, String trainedTensors) {
    public FineTuneRecipe {
        if (steps <= 0 || batchSize <= 0) {
            throw new IllegalArgumentException("steps and batch size must be positive, got " + steps + " and " + batchSize);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        }
        Pattern.compile(trainedTensors);
    }

    public boolean trains(String tensorName) {
        return Pattern.matches(trainedTensors, tensorName);
    }
}
