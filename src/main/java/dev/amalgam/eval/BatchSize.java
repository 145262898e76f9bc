package dev.amalgam.eval;

/** Rows per forward pass: fixed, or picked per batch so the logits fit a memory budget. */
public sealed interface BatchSize {
    /** Rows for a batch whose longest sequence has {@code seqLen} tokens. */
    int rows(int seqLen, int vocab);

    record Fixed(int size) implements BatchSize {
        public Fixed {
            if (size < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + size);
            }
        }

        @Override
        public int rows(int seqLen, int vocab) {
            return size;
        }
    }

    /**
     * As many rows as keep {@code [rows, seq, vocab]} fp32 logits, about three live copies, under
     * {@code budgetBytes}, and the padded batch at most {@link #TOKENS_PER_BATCH} tokens; at most
     * {@link #MAX_ROWS}. The token cap is measured, not derived: on a 2-core CPU, ARC throughput peaks
     * at 4-8 rows of ~150 tokens for both stories260K and a 512x8 Llama and falls by half at 32 rows,
     * where the [rows, heads, seq, seq] attention scores stop fitting in cache.
     */
    record Auto(long budgetBytes) implements BatchSize {
        public static final int MAX_ROWS = 256;
        public static final int TOKENS_PER_BATCH = 1024;
        public static final long DEFAULT_BUDGET = 2L << 30;

        public Auto {
            if (budgetBytes < 1) {
                throw new IllegalArgumentException("memory budget must be positive, got " + budgetBytes);
            }
        }

        @Override
        public int rows(int seqLen, int vocab) {
            long perRow = 3L * Float.BYTES * seqLen * vocab;
            long byMemory = budgetBytes / perRow;
            long byTokens = TOKENS_PER_BATCH / Math.max(1, seqLen);
            return (int) Math.clamp(Math.min(byMemory, byTokens), 1, MAX_ROWS);
        }
    }

    /** "auto" or a positive integer, as the {@code --batch-size} option. */
    static BatchSize parse(String text) {
        if (text.equals("auto")) {
            return new Auto(Auto.DEFAULT_BUDGET);
        }
        try {
            return new Fixed(Integer.parseInt(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("batch size must be 'auto' or a positive integer, got '" + text + "'", e);
        }
    }
}
