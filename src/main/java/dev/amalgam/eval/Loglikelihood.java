package dev.amalgam.eval;

/** A request's result: the summed log-probability of its continuation tokens and whether each was the argmax. */
public record Loglikelihood(double logprob, boolean greedy) {
}
