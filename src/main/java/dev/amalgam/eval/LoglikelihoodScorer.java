package dev.amalgam.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.BadInputException;
import dev.amalgam.llm.CausalLanguageModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batched log-likelihood scoring as lm-eval's HF back-end: each request is truncated from the left to
 * {@code contextLength + 1} tokens and its last token dropped to form the model input; inputs are sorted by length
 * (longest first), right-padded and run one forward pass per batch; log-softmax is taken in fp32 over the
 * continuation positions only. Requests with the same model input (context + all but the last continuation token,
 * e.g. MMLU's four one-token letters) share one row and one forward pass (lm-eval's {@code logits_cache}).
 */
public final class LoglikelihoodScorer {
    private final BatchSize batchSize;
    private final boolean shareInputs;

    /**
     * @param shareInputs group requests with identical model input into one row (same numbers, fewer passes)
     */
    public LoglikelihoodScorer(BatchSize batchSize, boolean shareInputs) {
        this.batchSize = batchSize;
        this.shareInputs = shareInputs;
    }

    /** One model row: the shared input and the requests (indices into the request list) scored from it. */
    private record Row(int[] input, List<Integer> members) {
    }

    /** Results in request order. */
    public Loglikelihood[] score(CausalLanguageModel model, List<TokenRequest> requests, ScoringProgress progress) {
        int maxLength = model.contextLength();
        int[][] truncated = new int[requests.size()][];
        Map<InputKey, Row> rowsByInput = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            TokenRequest request = requests.get(i);
            int[] tokens = request.tokens();
            // lm-eval: (ctx + cont)[-(max_length + 1):][:-1]
            int[] kept = Arrays.copyOfRange(tokens, Math.max(0, tokens.length - (maxLength + 1)), tokens.length);
            if (request.continuationLength() > kept.length - 1) {
                throw new BadInputException("a continuation of " + request.continuationLength()
                        + " tokens does not fit the model's context length " + maxLength);
            }
            truncated[i] = kept;
            int[] input = Arrays.copyOf(kept, kept.length - 1);
            Row row = shareInputs ? rowsByInput.computeIfAbsent(new InputKey(input), k -> addRow(rows, input)) : addRow(rows, input);
            row.members().add(i);
        }
        // Longest first (stable): the first row of a batch fixes its padded length, and memory errors come early.
        rows.sort(Comparator.comparingInt((Row r) -> r.input().length).reversed());

        Loglikelihood[] results = new Loglikelihood[requests.size()];
        try (NDManager base = NDManager.newBaseManager()) {
            int next = 0;
            while (next < rows.size()) {
                int size = Math.min(batchSize.rows(rows.get(next).input().length, model.vocabSize()), rows.size() - next);
                List<Row> batch = rows.subList(next, next + size);
                try (NDManager scope = base.newSubManager()) {
                    scoreBatch(model, scope, batch, requests, truncated, results);
                }
                next += size;
                progress.batchDone(batch.stream().mapToInt(r -> r.members().size()).sum(),
                        batch.stream().mapToLong(r -> r.input().length).sum());
            }
        }
        return results;
    }

    private static Row addRow(List<Row> rows, int[] input) {
        Row row = new Row(input, new ArrayList<>());
        rows.add(row);
        return row;
    }

    private static void scoreBatch(CausalLanguageModel model, NDManager scope, List<Row> batch, List<TokenRequest> requests,
                                   int[][] truncated, Loglikelihood[] results) {
        int padded = batch.getFirst().input().length;
        int[][] tokens = new int[batch.size()][padded];
        int[] lengths = new int[batch.size()];
        for (int r = 0; r < batch.size(); r++) {
            int[] input = batch.get(r).input();
            System.arraycopy(input, 0, tokens[r], 0, input.length);
            lengths[r] = input.length;
        }
        // Only the positions that predict continuation tokens matter: the model computes logits just there.
        int[] blockStart = new int[batch.size()]; // first block row of each batch row
        int[] firstPosition = new int[batch.size()]; // sequence position of that block row
        int blockRows = 0;
        for (int r = 0; r < batch.size(); r++) {
            Row row = batch.get(r);
            int longest = row.members().stream().mapToInt(m -> requests.get(m).continuationLength()).max().orElseThrow();
            firstPosition[r] = row.input().length - longest;
            blockStart[r] = blockRows;
            blockRows += longest;
        }
        NDArray block = model.logitsAt(scope, tokens, lengths, firstPosition); // [blockRows, vocab]
        int vocab = (int) block.getShape().get(1);
        NDArray logSoftmax = block.toType(DataType.FLOAT32, false).logSoftmax(1);      // [blockRows, vocab]
        long[] argmax = logSoftmax.argMax(1).toType(DataType.INT64, false).toLongArray(); // [blockRows]

        // Flat indices of every (position, target token) any member needs; each member reads its own slice.
        List<long[]> memberIndices = new ArrayList<>();
        int total = 0;
        for (int r = 0; r < batch.size(); r++) {
            for (int m : batch.get(r).members()) {
                int[] full = truncated[m];
                int cont = requests.get(m).continuationLength();
                long[] idx = new long[cont];
                for (int j = 0; j < cont; j++) {
                    int position = full.length - 1 - cont + j; // predicts full[position + 1]
                    idx[j] = (long) (blockStart[r] + position - firstPosition[r]) * vocab + full[position + 1];
                }
                memberIndices.add(idx);
                total += cont;
            }
        }
        long[] flat = new long[total];
        int offset = 0;
        for (long[] idx : memberIndices) {
            System.arraycopy(idx, 0, flat, offset, idx.length);
            offset += idx.length;
        }
        float[] values = logSoftmax.reshape(-1).take(scope.create(flat).toDevice(logSoftmax.getDevice(), false)).toFloatArray();
        offset = 0;
        int k = 0;
        for (Row row : batch) {
            for (int m : row.members()) {
                long[] idx = memberIndices.get(k++);
                double sum = 0;
                boolean greedy = true;
                for (long index : idx) {
                    sum += values[offset++];
                    greedy &= argmax[(int) (index / vocab)] == index % vocab;
                }
                results[m] = new Loglikelihood(sum, greedy);
            }
        }
    }

    /** An int[] map key with value equality. */
    private record InputKey(int[] tokens) {
        @Override
        public boolean equals(Object o) {
            return o instanceof InputKey(int[] other) && Arrays.equals(tokens, other);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokens);
        }
    }
}
