package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.BadInputException;
import dev.amalgam.recipe.MergeRecipe;
import dev.amalgam.recipe.TokenizerSettings;
import dev.amalgam.recipe.TokenizerSettings.TokenSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Embeddings and lm_head rebuilt for the output vocabulary ({@link OutputVocabulary}), as mergekit's
 * {@code tokenizer/embed.py} PermutedEmbeddings does: each input's matrix is permuted to the output token
 * ids, a token keeping the input's own row where the input has it (unless the recipe forces its source);
 * where it lacks it, the token's default row. The method then merges the permuted matrices. Rows padded
 * up to {@code pad_to_multiple_of} take the mean of the input's rebuilt rows (embed.py, after
 * https://nlp.stanford.edu/~johnhew/vocab-expansion.html).
 */
public final class VocabularyRemap {
    /** A token's default row, where a model lacks it: one model's row, a zero row, or the mean over the models that have it. */
    private sealed interface Default {
        record Row(int model, int row) implements Default {
        }

        record Zero() implements Default {
        }

        record Mean() implements Default {
        }
    }

    private final OutputVocabulary out;
    private final int vocab; // tokens of the output tokenizer
    private final int rows; // output rows: vocab, padded up to pad_to_multiple_of
    private final Set<String> tensors;

    /** The rebuild of {@code plan}'s embedding-like matrices (2-D, rows are tokens) for {@code out}. */
    VocabularyRemap(OutputVocabulary out, Integer padToMultipleOf, MergePlan plan) {
        this.out = out;
        this.vocab = out.tokenizer().ids().size();
        // embed.py: vocab_size = (len(vocab) // pad_to_multiple_of + 1) * pad_to_multiple_of when not a multiple
        this.rows = padToMultipleOf == null || vocab % padToMultipleOf == 0 ? vocab : (vocab / padToMultipleOf + 1) * padToMultipleOf;
        this.tensors = plan.tensors().stream().filter(t -> plan.architecture().role(t.outputName()).isEmbedding()
                && t.outShape().length == 2).map(PlannedTensor::outputName).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The rebuild that {@code recipe}'s tokenizer settings call for over {@code plan}, or null when the recipe sets no
     * tokenizer. {@code amalgam merge} and a search's candidates both take it from here, so a candidate scores exactly
     * the embeddings the merge writes.
     */
    public static VocabularyRemap of(MergeRecipe recipe, MergePlan plan, MergePlanner.ModelSource models, Consumer<String> warnings) {
        TokenizerSettings settings = recipe.tokenizer();
        return settings == null ? null
                : new VocabularyRemap(OutputVocabulary.build(recipe, plan, models, warnings), settings.padToMultipleOf(), plan);
    }

    /** The output vocabulary the rebuild permutes to. */
    OutputVocabulary vocabulary() {
        return out;
    }

    /**
     * Whether the rebuild changes nothing: no token settings, no padding, every planned embedding already has
     * one row per output token, and every model has every token at its own id.
     */
    public boolean isIdentity(MergePlan plan) {
        if (!out.rules().isEmpty() || rows != vocab) {
            return false;
        }
        for (PlannedTensor t : plan.tensors()) {
            if (tensors.contains(t.outputName()) && t.outShape()[0] != vocab) {
                return false;
            }
        }
        for (int[] map : out.rowOf().values()) {
            for (int v = 0; v < vocab; v++) {
                if (map[v] != v) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The plan with the embedding-like tensors planned at the output rows (merged, never copied raw: their rows move). */
    public MergePlan applyTo(MergePlan plan) {
        List<PlannedTensor> replanned = new ArrayList<>();
        for (PlannedTensor t : plan.tensors()) {
            replanned.add(!tensors.contains(t.outputName()) ? t : new PlannedTensor(t.outputName(),
                    new long[] {rows, t.outShape()[1]}, t.outDtype(), t.base(), t.inputs(), t.global(), false));
        }
        return new MergePlan(plan.method(), plan.modelPaths(), replanned, plan.architecture(), plan.referenceModel(),
                plan.outputLayers(), plan.seed());
    }

    boolean applies(PlannedTensor t) {
        return tensors.contains(t.outputName());
    }

    /**
     * The inputs (base included when there is one) permuted to the output vocabulary: each [rows, hidden], in
     * {@code m}. Every output row is gathered (bit-exact) from one pool of the inputs' rows and a zero row, or
     * taken from the mean rows.
     */
    List<ModelTensor> permute(NDManager m, List<ModelTensor> inputs) {
        int n = inputs.size();
        long hidden = inputs.getFirst().tensor().getShape().get(1);
        long[] offset = new long[n + 1]; // input i's rows start at offset[i] in the pool; the zero row is at offset[n]
        Map<Integer, Integer> position = new HashMap<>(); // model index -> input position
        NDList pool = new NDList();
        int[][] own = new int[n][]; // input i -> output id -> its row, or -1 where it lacks the token
        for (int i = 0; i < n; i++) {
            NDArray x = inputs.get(i).tensor(); // [rows_i, hidden]
            long rowsI = x.getShape().get(0);
            position.put(inputs.get(i).modelIndex(), i);
            int[] map = out.rowOf().get(inputs.get(i).modelIndex());
            own[i] = new int[vocab];
            for (int v = 0; v < vocab; v++) {
                own[i][v] = map[v] < rowsI ? map[v] : -1; // ids beyond the matrix are not the model's tokens (padding)
            }
            pool.add(x);
            offset[i + 1] = offset[i] + rowsI;
        }
        pool.add(m.zeros(new Shape(1, hidden)));
        long zero = offset[n];

        Default[] defaults = new Default[vocab];
        boolean anyMean = false;
        for (int v = 0; v < vocab; v++) {
            defaults[v] = defaultOf(v, own, position);
            anyMean |= defaults[v] instanceof Default.Mean;
        }
        // Memory: the pool copies the inputs once, and the mean rows (when a token needs them) take one more
        // [vocab, hidden]; the kernel's (inputs + 2) x largest tensor grows by about that much for embeddings.
        NDArray all = NDArrays.concat(pool, 0); // [sum rows_i + 1, hidden]
        NDArray meanRows = anyMean ? meanRows(m, all, own, offset, zero) : null; // [vocab, hidden]
        List<ModelTensor> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long[] index = new long[vocab];
            boolean[] takesMean = new boolean[vocab];
            boolean anyTakesMean = false;
            for (int v = 0; v < vocab; v++) {
                boolean forced = out.rules().containsKey(v) && out.rules().get(v).force();
                index[v] = own[i][v] >= 0 && !forced ? offset[i] + own[i][v] : switch (defaults[v]) {
                    case Default.Row r -> offset[position.get(r.model())] + r.row();
                    case Default.Zero z -> zero;
                    case Default.Mean mn -> {
                        takesMean[v] = true;
                        anyTakesMean = true;
                        yield zero;
                    }
                };
            }
            NDArray rebuilt = all.get(new NDIndex("{}", m.create(index))); // [vocab, hidden]
            if (anyTakesMean) { // a selection, not arithmetic: rows stay bit-exact (and a NaN stays where it was)
                NDArray condition = m.create(takesMean, new Shape(vocab, 1)).broadcast(new Shape(vocab, hidden)); // DJL's where does not broadcast
                rebuilt = NDArrays.where(condition, meanRows, rebuilt);
            }
            if (rows > vocab) {
                NDArray average = rebuilt.mean(new int[] {0}, true); // [1, hidden]
                rebuilt = NDArrays.concat(new NDList(rebuilt, average.broadcast(new Shape(rows - vocab, hidden))), 0);
            }
            result.add(new ModelTensor(inputs.get(i).modelIndex(), rebuilt.toType(DataType.FLOAT32, false), inputs.get(i).params()));
        }
        return result;
    }

    /**
     * The default row of output id {@code v}, by embed.py's assign_embedding_sources and compute_default_embedding:
     * the recipe's setting for the token when it has one; else the only model that has the token; none has it:
     * zero; the base has it: the base's row; else the mean of the rows of the models that have it.
     */
    private Default defaultOf(int v, int[][] own, Map<Integer, Integer> position) {
        OutputVocabulary.Rule rule = out.rules().get(v);
        if (rule != null) {
            return switch (rule.source()) {
                case TokenSource.Zero z -> new Default.Zero();
                case TokenSource.Model mdl -> {
                    int row = present(rule, own, position)[v];
                    if (row < 0) {
                        throw new BadInputException(rule.where() + ": " + mdl.model() + " has no row for the token");
                    }
                    yield new Default.Row(rule.model(), row);
                }
                case TokenSource.ModelToken mt -> {
                    present(rule, own, position);
                    yield new Default.Row(rule.model(), rule.row());
                }
            };
        }
        int count = 0;
        int donor = -1;
        for (int i = 0; i < own.length; i++) {
            if (own[i][v] >= 0) {
                count++;
                donor = i;
            }
        }
        Integer base = out.baseModel() < 0 ? null : position.get(out.baseModel());
        if (count == 1) {
            return new Default.Row(modelAt(donor, position), own[donor][v]);
        } else if (count == 0) {
            return new Default.Zero();
        } else if (base != null && own[base][v] >= 0) {
            return new Default.Row(out.baseModel(), own[base][v]);
        }
        return new Default.Mean();
    }

    /** The rows of a rule's model, which must be an input of this tensor. */
    private static int[] present(OutputVocabulary.Rule rule, int[][] own, Map<Integer, Integer> position) {
        Integer i = position.get(rule.model());
        if (i == null) {
            throw new BadInputException(rule.where() + ": the model is not an input of the embeddings");
        }
        return own[i];
    }

    private static int modelAt(int i, Map<Integer, Integer> position) {
        return position.entrySet().stream().filter(e -> e.getValue() == i).findFirst().orElseThrow().getKey();
    }

    /** [vocab, hidden]: for each output id, the mean of the rows of the inputs that have the token (zero when none). */
    private NDArray meanRows(NDManager m, NDArray all, int[][] own, long[] offset, long zero) {
        NDArray sum = null;
        float[] count = new float[vocab];
        for (int i = 0; i < own.length; i++) {
            long[] index = new long[vocab];
            for (int v = 0; v < vocab; v++) {
                index[v] = own[i][v] >= 0 ? offset[i] + own[i][v] : zero;
                count[v] += own[i][v] >= 0 ? 1 : 0;
            }
            NDArray rows = all.get(new NDIndex("{}", m.create(index)));
            if (sum == null) {
                sum = rows;
            } else {
                sum.addi(rows);
                rows.close();
            }
        }
        for (int v = 0; v < vocab; v++) {
            count[v] = Math.max(count[v], 1f);
        }
        return sum.divi(m.create(count, new Shape(vocab, 1)));
    }
}
