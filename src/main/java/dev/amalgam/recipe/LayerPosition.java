package dev.amalgam.recipe;

/**
 * The layer position t in [0, 1] at which gradients are evaluated. It restarts in each slice.
 * Pre-weights (embeddings) use slice 0 at t = 0; post-weights (final norm, lm_head) use the last
 * slice at t = 1 — a deliberate difference from mergekit, which uses t = 0 there (see the spec).
 */
public final class LayerPosition {
    /** t for post-weights (final norm, lm_head): the last layer's value. */
    public static final double POST_WEIGHTS = 1.0;
    /** t for pre-weights (embeddings). */
    public static final double PRE_WEIGHTS = 0.0;

    private LayerPosition() {
    }

    /** t = idx / (L - 1) for the idx-th layer of a slice of L layers; t = 1 for a one-layer slice. */
    public static double t(int indexInSlice, int sliceLength) {
        if (sliceLength < 1 || indexInSlice < 0 || indexInSlice >= sliceLength) {
            throw new IllegalArgumentException("layer " + indexInSlice + " outside a slice of " + sliceLength);
        }
        return sliceLength == 1 ? 1.0 : (double) indexInSlice / (sliceLength - 1);
    }
}
