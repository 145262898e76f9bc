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
 * e.g. MMLU's four one-token letters) share one row and one forward pass (lm-eval's {@code logits_cache}). Rows that
 * share their context (an ARC item's choices) run it once: the model keeps its keys and values and scores every
 * choice's continuation against them in one batched pass ({@link CausalLanguageModel#logitsAfterPrefix}).
 */
public final class LoglikelihoodScorer {
    private final BatchSize batchSize;
    private final boolean shareInputs;
    private final boolean shareContext;

    /** With {@code shareInputs}, contexts are shared too. */
    public LoglikelihoodScorer(BatchSize batchSize, boolean shareInputs) {
        this(batchSize, shareInputs, shareInputs);
    }

    /**
     * @param shareInputs  group requests with identical model input into one row (same numbers, fewer passes)
     * @param shareContext run a context shared by several rows once (the same numbers up to fp32 rounding)
     */
    public LoglikelihoodScorer(BatchSize batchSize, boolean shareInputs, boolean shareContext) {
        this.batchSize = batchSize;
        this.shareInputs = shareInputs;
        this.shareContext = shareContext;
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
        List<List<Row>> families = shareContext ? families(rows, requests) : List.of();
        // Longest first (stable): the first row of a batch fixes its padded length, and memory errors come early.
        rows.sort(Comparator.comparingInt((Row r) -> r.input().length).reversed());

        Loglikelihood[] results = new Loglikelihood[requests.size()];
        try (NDManager base = NDManager.newBaseManager()) {
            for (List<Row> family : families) {
                int prefix = firstPosition(family.getFirst(), requests);
                try (NDManager scope = base.newSubManager()) {
                    scoreBatch(model, scope, family, requests, truncated, results, prefix);
                }
                // The forward pass's tokens: the shared context once, then each row's own.
                progress.batchDone(family.stream().mapToInt(r -> r.members().size()).sum(),
                        prefix + family.stream().mapToLong(r -> r.input().length - prefix).sum());
            }
            int next = 0;
            while (next < rows.size()) {
                int size = Math.min(batchSize.rows(rows.get(next).input().length, model.vocabSize()), rows.size() - next);
                List<Row> batch = rows.subList(next, next + size);
                try (NDManager scope = base.newSubManager()) {
                    scoreBatch(model, scope, batch, requests, truncated, results, 0);
                }
                next += size;
                progress.batchDone(batch.stream().mapToInt(r -> r.members().size()).sum(),
                        batch.stream().mapToLong(r -> r.input().length).sum());
            }
        }
        return results;
    }

    /**
     * Takes out of {@code rows} the groups of two or more rows whose inputs agree up to their first scored position
     * (the context every choice continues), returned in first-seen order; single rows stay for the batched passes.
     */
    private static List<List<Row>> families(List<Row> rows, List<TokenRequest> requests) {
        Map<InputKey, List<Row>> byContext = new LinkedHashMap<>();
        for (Row row : rows) {
            int first = firstPosition(row, requests);
            if (first >= 1) {
                byContext.computeIfAbsent(new InputKey(Arrays.copyOf(row.input(), first)), k -> new ArrayList<>()).add(row);
            }
        }
        List<List<Row>> families = byContext.values().stream().filter(f -> f.size() > 1).toList();
        families.forEach(rows::removeAll);
        return families;
    }

    /** The first input position whose logits a member of the row needs. */
    private static int firstPosition(Row row, List<TokenRequest> requests) {
        return row.input().length - row.members().stream().mapToInt(m -> requests.get(m).continuationLength()).max().orElseThrow();
    }

    private static Row addRow(List<Row> rows, int[] input) {
        Row row = new Row(input, new ArrayList<>());
        rows.add(row);
        return row;
    }

    /** Scores one batch; with {@code sharedPrefix > 0} every row's input starts with the same that many tokens, run once. */
    private static void scoreBatch(CausalLanguageModel model, NDManager scope, List<Row> batch, List<TokenRequest> requests,
                                   int[][] truncated, Loglikelihood[] results, int sharedPrefix) {
        int padded = batch.stream().mapToInt(r -> r.input().length).max().orElseThrow();
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
        NDArray block; // [blockRows, vocab]
        if (sharedPrefix > 0) { // firstPosition[r] == sharedPrefix for every row: the suffixes are exactly the scored positions
            int[][] suffixes = new int[batch.size()][];
            int[] suffixLengths = new int[batch.size()];
            for (int r = 0; r < batch.size(); r++) {
                suffixes[r] = Arrays.copyOfRange(tokens[r], sharedPrefix, padded);
                suffixLengths[r] = lengths[r] - sharedPrefix;
            }
            block = model.logitsAfterPrefix(scope, Arrays.copyOf(tokens[0], sharedPrefix), suffixes, suffixLengths);
        } else {
            block = model.logitsAt(scope, tokens, lengths, firstPosition);
        }
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
