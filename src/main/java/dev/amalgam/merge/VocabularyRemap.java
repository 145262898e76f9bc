package dev.amalgam.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.amalgam.BadInputException;
import dev.amalgam.recipe.MergeRecipe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Embeddings and lm_head rebuilt for the vocabulary of a {@code tokenizer_source} model, as mergekit's
 * {@code tokenizer/embed.py} does: each input's matrix is permuted to the output token ids (a token keeps
 * its own row where the input's tokenizer has it); a token the input lacks gets the donor row when
 * only one model has it, else the base's row when the base has it, else the mean of the rows of the
 * models that have it (zero when none has it). The method then merges the permuted matrices.
 */
final class VocabularyRemap {
    private final int vocab;
    private final Set<String> tensors;
    private final Map<Integer, int[]> rowOf = new HashMap<>(); // model index -> output id -> its row, or -1

    private VocabularyRemap(int vocab, Set<String> tensors) {
        this.vocab = vocab;
        this.tensors = tensors;
    }

    /** The remap for the tokenizer in {@code tokenizer}; every input model must have a tokenizer.json. */
    static VocabularyRemap build(Path tokenizer, MergePlan plan, MergeRecipe recipe) {
        String where = recipe.sourceFile().getFileName() + ": tokenizer_source: " + recipe.tokenizerSource();
        Map<String, Integer> out = TokenizerVocabulary.vocabulary(tokenizer, Integer.MAX_VALUE, where);
        int size = out.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        if (out.size() != size) {
            throw new BadInputException(where + ": the tokenizer in " + tokenizer + " has " + out.size()
                    + " tokens but ids up to " + (size - 1) + "; its ids must run 0.." + (out.size() - 1));
        }
        Set<String> names = new HashSet<>();
        plan.tensors().stream().filter(t -> plan.architecture().role(t.outputName()).isEmbedding() && t.outShape().length == 2)
                .forEach(t -> names.add(t.outputName()));
        VocabularyRemap remap = new VocabularyRemap(size, names);
        for (int i = 0; i < plan.modelPaths().size(); i++) {
            Map<String, Integer> own = TokenizerVocabulary.vocabulary(plan.modelPaths().get(i), Integer.MAX_VALUE, where);
            int[] rows = new int[size];
            out.forEach((token, id) -> rows[id] = own.getOrDefault(token, -1));
            remap.rowOf.put(i, rows);
        }
        return remap;
    }

    /** The plan with the embedding-like tensors planned at the output vocabulary's rows. */
    MergePlan applyTo(MergePlan plan) {
        List<PlannedTensor> replanned = new ArrayList<>();
        for (PlannedTensor t : plan.tensors()) {
            replanned.add(!tensors.contains(t.outputName()) ? t : new PlannedTensor(t.outputName(),
                    new long[] {vocab, t.outShape()[1]}, t.outDtype(), t.base(), t.inputs(), t.global(), t.copyRaw()));
        }
        return new MergePlan(plan.method(), plan.modelPaths(), replanned, plan.architecture(), plan.referenceModel(),
                plan.outputLayers(), plan.seed());
    }

    boolean applies(PlannedTensor t) {
        return tensors.contains(t.outputName());
    }

    /**
     * The inputs (base first when there is one) permuted to the output vocabulary: each [vocab, hidden],
     * in {@code m}. {@code hasBase} says whether the first is the base.
     */
    List<ModelTensor> permute(NDManager m, List<ModelTensor> inputs, boolean hasBase) {
        int n = inputs.size();
        NDArray[] gathered = new NDArray[n]; // [vocab, hidden]: the input's row of each output token (0 where absent)
        NDArray[] present = new NDArray[n]; // [vocab, 1]: 1 where the input has the token
        for (int i = 0; i < n; i++) {
            NDArray x = inputs.get(i).tensor(); // [rows_i, hidden]
            long rows = x.getShape().get(0);
            int[] map = rowOf.get(inputs.get(i).modelIndex());
            long[] index = new long[vocab];
            float[] has = new float[vocab];
            for (int v = 0; v < vocab; v++) {
                boolean ok = map[v] >= 0 && map[v] < rows; // ids beyond the matrix are not the model's tokens
                index[v] = ok ? map[v] : 0;
                has[v] = ok ? 1f : 0f;
            }
            present[i] = m.create(has, new Shape(vocab, 1));
            gathered[i] = x.get(new NDIndex("{}", m.create(index))).mul(present[i]);
        }
        NDArray count = present[0];
        NDArray sum = gathered[0];
        for (int i = 1; i < n; i++) {
            count = count.add(present[i]);
            sum = sum.add(gathered[i]);
        }
        NDArray mean = sum.div(count.maximum(1f)); // one model: its row; none: zero
        NDArray fallback = hasBase
                ? gathered[0].add(mean.mul(present[0].neg().add(1f))) // the base's row where it has the token
                : mean;
        List<ModelTensor> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            NDArray own = gathered[i].add(fallback.mul(present[i].neg().add(1f)));
            out.add(new ModelTensor(inputs.get(i).modelIndex(), own.toType(DataType.FLOAT32, false), inputs.get(i).params()));
        }
        return out;
    }
}
