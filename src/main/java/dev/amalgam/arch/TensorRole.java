package dev.amalgam.arch;

/** What a tensor is in a decoder-only model, which decides how the merge planner treats it. */
public enum TensorRole {
    /** Token embedding, before the layers (a pre-weight; vocab-rectified). */
    EMBEDDING,
    /** Inside a numbered decoder layer. */
    LAYER,
    /** The final norm after the layers (a post-weight). */
    FINAL_NORM,
    /** The output projection (a post-weight; vocab-rectified; absent with tied embeddings). */
    LM_HEAD,
    /** A non-layer tensor the architecture does not name; treat it like a pre-weight. */
    OTHER;

    /** Post-weights take the last slice's settings (at t = 1, see {@code LayerPosition}). */
    public boolean isPostWeight() {
        return this == FINAL_NORM || this == LM_HEAD;
    }

    /** Embedding-like matrices whose rows are vocabulary entries. */
    public boolean isEmbedding() {
        return this == EMBEDDING || this == LM_HEAD;
    }
}
