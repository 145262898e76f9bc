package dev.amalgam.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.amalgam.arch.Architecture;
import dev.amalgam.arch.DecoderConfig;
import dev.amalgam.arch.LayerCountCheck;
import dev.amalgam.arch.ModelConfig;
import dev.amalgam.arch.TensorRole;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsModel;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A Llama-family decoder (the catalogue entries with {@code forward_pass: llama}: Llama, Mistral, Qwen2,
 * Qwen3) run with DJL NDArray ops, from a Hugging Face folder ({@code config.json} + safetensors).
 *
 * <p>Weights, the residual stream and the matmuls are in the resident type ({@link ScoringDtype}: fp32, fp16 or
 * bf16; libtorch's fp16/bf16 GEMMs accumulate in fp32 on the CPU and, through cuBLAS's default compute type, on the
 * GPU). Three places upcast to fp32, as transformers does, because a 16-bit type loses too much there: RMSNorm's
 * mean of squares (a sum over the hidden size), the attention softmax (exponentials of scores whose differences
 * matter at fp32 resolution, and the -inf mask) and the logits handed to the caller (log-softmax over the vocabulary
 * happens there, in fp32). With fp32 residency every cast is a no-op and the pass is the fp32 pass.
 * The tensors it loads, and so the optional parts it runs (q/k/v/o biases, Qwen3's q/k norm), are the ones
 * the architecture catalogue lists for the config. Weights live in {@link #weights()} and may be
 * overwritten in place between calls. Mistral's sliding window is not applied (it only matters past
 * {@code sliding_window} tokens).
 */
public final class LlamaModel implements CausalLanguageModel {
    /** The catalogue's name for this forward pass ({@code forward_pass: llama} in architectures.yaml). */
    public static final String FORWARD_PASS = "llama";

    private final DecoderConfig config;
    private final NDManager manager; // owns every weight, on the model's device
    private final ModelWeights weights;
    private final DataType compute; // the resident type: weights, activations, matmuls
    private final RotaryEmbedding rope;
    private final String embed; // tensor names by role, from the catalogue
    private final String finalNorm;
    private final String head; // the embedding when tied

    private LlamaModel(DecoderConfig config, NDManager manager, ModelWeights weights) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        this.compute = weights.dtype();
        this.rope = RotaryEmbedding.of(config);
        Architecture arch = config.architecture();
        this.embed = arch.weightNamed(TensorRole.EMBEDDING);
        this.finalNorm = arch.weightNamed(TensorRole.FINAL_NORM);
        this.head = config.tieWordEmbeddings() ? embed : arch.weightNamed(TensorRole.LM_HEAD);
    }

    /** Loads onto the GPU when DJL sees one, else the CPU. */
    public static LlamaModel load(Path modelDir) {
        return load(modelDir, Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu());
    }

    /** Loads with fp32 weights. */
    public static LlamaModel load(Path modelDir, Device device) {
        return load(modelDir, device, DataType.FLOAT32);
    }

    /**
     * Loads with weights resident in {@code dtype} resolved for {@code device} and the checkpoint's stored type (its
     * embedding's); {@code keyPath} names the setting in an error (e.g. {@code --scoring-dtype}).
     */
    public static LlamaModel load(Path modelDir, Device device, ScoringDtype dtype, String keyPath) {
        DecoderConfig config = ModelConfig.read(modelDir).decoder(FORWARD_PASS);
        DType stored;
        try (SafetensorsModel source = SafetensorsModel.open(modelDir)) {
            String embedding = config.architecture().weightNamed(TensorRole.EMBEDDING);
            stored = source.has(embedding) ? source.info(embedding).dtype() : DType.F32; // a missing one fails in load
        }
        return load(modelDir, device, dtype.resolve(device, stored, keyPath));
    }

    /** Loads with weights resident in {@code resident}: FLOAT32, FLOAT16 or BFLOAT16 (see {@link ScoringDtype}). */
    public static LlamaModel load(Path modelDir, Device device, DataType resident) {
        ModelConfig modelConfig = ModelConfig.read(modelDir);
        DecoderConfig config = modelConfig.decoder(FORWARD_PASS);
        NDManager manager = NDManager.newBaseManager(device);
        try (SafetensorsModel source = SafetensorsModel.open(modelDir)) {
            // config.json must count the layers the tensors hold: with fewer, the model would be scored without the rest
            LayerCountCheck.require(config.architecture(), modelConfig, source.tensorNames());
            ModelWeights weights = ModelWeights.read(source, config.expectedShapes(), manager, resident);
            return new LlamaModel(config, manager, weights);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public DecoderConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public Device device() {
        return manager.getDevice();
    }

    @Override
    public int contextLength() {
        return config.maxPositionEmbeddings();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public NDArray logits(NDManager caller, int[][] tokens, int[] lengths) {
        return forward(caller, tokens, lengths, null);
    }

    @Override
    public NDArray logitsAt(NDManager caller, int[][] tokens, int[] lengths, int[] from) {
        if (from.length != tokens.length) {
            throw new IllegalArgumentException("need one start position per row, got " + from.length + " for " + tokens.length + " rows");
        }
        return forward(caller, tokens, lengths, from);
    }

    /**
     * The decoder. With {@code from == null}: logits at every position, [batch, seq, vocab]. Otherwise
     * only rows r's positions [from[r], lengths[r]), concatenated: [sum of (lengths - from), vocab].
     * Scoring needs only the continuation's positions, and the head is the largest matmul for a big
     * vocabulary, so gathering the hidden states first saves most of it.
     */
    private NDArray forward(NDManager caller, int[][] tokens, int[] lengths, int[] from) {
        int batch = tokens.length;
        int seq = checkBatch(tokens, lengths);
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = embed(scope, tokens, lengths, seq); // [batch, seq, hidden]
            x = layers(scope, x, cosSin(scope, seq), causalMask(scope, 0, seq), null, null);
            if (from != null) {
                NDArray picked = owned(scope.create(positions(from, lengths, seq))); // [positions] flat row indices
                x = x.reshape((long) batch * seq, config.hiddenSize()).get(new NDIndex("{}", picked));
            }
            return head(caller, scope, x);
        }
    }

    /**
     * Shared-context logits: {@code prefix} runs once (batch 1) and its per-layer keys/values are kept; then every
     * suffix row attends to them plus its own causal past, in one batched pass. Equal (up to fp32 rounding) to
     * {@code logitsAt} of the rows {@code prefix + suffixes[r]} from position {@code prefix.length}.
     */
    @Override
    public NDArray logitsAfterPrefix(NDManager caller, int[] prefix, int[][] suffixes, int[] lengths) {
        int p = prefix.length;
        int[][] full = new int[suffixes.length][];
        int[] fullLengths = new int[suffixes.length];
        for (int r = 0; r < suffixes.length; r++) {
            full[r] = new int[p + suffixes[r].length];
            System.arraycopy(prefix, 0, full[r], 0, p);
            System.arraycopy(suffixes[r], 0, full[r], p, suffixes[r].length);
            fullLengths[r] = p + lengths[r];
        }
        int total = checkBatch(full, fullLengths); // the same checks as a full forward
        if (p < 1) {
            throw new IllegalArgumentException("a shared prefix needs at least one token");
        }
        int seq = total - p;
        try (NDManager scope = manager.newSubManager()) {
            NDArray[] cosSin = cosSin(scope, total); // 2 x [p + seq, headDim]
            NDArray[] prefixCosSin = {cosSin[0].get(":" + p), cosSin[1].get(":" + p)};
            NDArray[] suffixCosSin = {cosSin[0].get(p + ":"), cosSin[1].get(p + ":")};
            KeyValue[] cache = new KeyValue[config.numHiddenLayers()];
            layers(scope, embed(scope, new int[][]{prefix}, new int[]{p}, p), prefixCosSin, causalMask(scope, 0, p), null, cache);
            int[] suffixLengths = lengths.clone();
            NDArray x = layers(scope, embed(scope, suffixes, suffixLengths, seq), suffixCosSin, causalMask(scope, p, seq), cache, null);
            x = x.reshape((long) suffixes.length * seq, config.hiddenSize())
                    .get(new NDIndex("{}", owned(scope.create(positions(new int[suffixes.length], suffixLengths, seq)))));
            return head(caller, scope, x);
        }
    }

    /** Token embeddings of a right-padded batch: [batch, seq, hidden]. Padding positions read token 0 (never used). */
    private NDArray embed(NDManager scope, int[][] tokens, int[] lengths, int seq) {
        int batch = tokens.length;
        long[] ids = new long[batch * seq];
        for (int r = 0; r < batch; r++) {
            for (int t = 0; t < lengths[r]; t++) {
                ids[r * seq + t] = tokens[r][t];
            }
        }
        return scoped(scope, weights.get(embed).get(new NDIndex("{}", owned(scope.create(ids)))))
                .reshape(batch, seq, config.hiddenSize());
    }

    /**
     * The decoder layers over x [batch, seq, hidden]. With {@code prefix}, each layer's attention also sees that
     * layer's cached keys/values (positions before x's); with {@code keep}, each layer's keys/values are stored there
     * (in {@code scope}).
     */
    private NDArray layers(NDManager scope, NDArray x, NDArray[] cosSin, NDArray mask, KeyValue[] prefix, KeyValue[] keep) {
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            String p = config.architecture().layerPrefix() + layer + ".";
            // One scope per layer: its intermediates (q/k/v, scores, MLP activations) and its input are freed
            // when the layer ends, so the pass holds one layer's working set, not every layer's.
            try (NDManager layerScope = scope.newSubManager()) {
                x.attach(layerScope); // ops put results in their first operand's manager
                KeyValue cached = prefix == null ? null : prefix[layer];
                KeyValue[] kept = keep == null ? null : new KeyValue[1];
                x = x.add(attention(layerScope, rmsNorm(x, p + "input_layernorm.weight"), p, cosSin, mask, cached, kept));
                x = x.add(mlp(layerScope, rmsNorm(x, p + "post_attention_layernorm.weight"), p));
                x.attach(scope);
                if (kept != null) {
                    kept[0].keys().attach(scope);
                    kept[0].values().attach(scope);
                    keep[layer] = kept[0];
                }
            }
        }
        return x;
    }

    /** RoPE tables [seq, headDim] in the resident type (transformers casts cos/sin to the activations' type too). */
    private NDArray[] cosSin(NDManager scope, int seq) {
        NDArray[] table = rope.cosSin(scope, seq);
        return new NDArray[]{owned(table[0]).toType(compute, false), owned(table[1]).toType(compute, false)};
    }

    /** Final norm and vocabulary projection of x [..., hidden], in fp32 on the caller's device: [..., vocab]. */
    private NDArray head(NDManager caller, NDManager scope, NDArray x) {
        NDArray logits = rmsNorm(x, finalNorm).matMul(scoped(scope, weights.get(head).transpose()));
        // fp32 logits: the caller's log-softmax over the vocabulary must not run in a 16-bit type.
        NDArray out = logits.toType(DataType.FLOAT32, false).toDevice(caller.getDevice(), false);
        out.attach(caller);
        return out;
    }

    /** One layer's keys (after RoPE) and values of a shared prefix: [1, kvHeads, prefix, headDim] each. */
    private record KeyValue(NDArray keys, NDArray values) {
    }

    /** Flat indices r * seq + t of the positions [from[r], lengths[r]) of every row, in row order. */
    private static long[] positions(int[] from, int[] lengths, int seq) {
        int n = 0;
        for (int r = 0; r < from.length; r++) {
            if (from[r] < 0 || from[r] >= lengths[r]) {
                throw new IllegalArgumentException("row " + r + ": start " + from[r] + " outside 0.." + (lengths[r] - 1));
            }
            n += lengths[r] - from[r];
        }
        long[] flat = new long[n];
        int k = 0;
        for (int r = 0; r < from.length; r++) {
            for (int t = from[r]; t < lengths[r]; t++) {
                flat[k++] = (long) r * seq + t;
            }
        }
        return flat;
    }

    /** Checks shapes and ids; returns the padded sequence length. */
    private int checkBatch(int[][] tokens, int[] lengths) {
        if (tokens.length == 0 || lengths.length != tokens.length) {
            throw new IllegalArgumentException("need a non-empty batch with one length per row, got "
                    + tokens.length + " rows and " + lengths.length + " lengths");
        }
        int seq = tokens[0].length;
        if (seq == 0 || seq > contextLength()) {
            throw new IllegalArgumentException("sequence length " + seq + " is outside 1.." + contextLength());
        }
        for (int r = 0; r < tokens.length; r++) {
            if (tokens[r].length != seq || lengths[r] < 1 || lengths[r] > seq) {
                throw new IllegalArgumentException("row " + r + ": length " + tokens[r].length + " (real " + lengths[r]
                        + "), expected every row padded to " + seq + " with a real length in 1.." + seq);
            }
            for (int t = 0; t < lengths[r]; t++) {
                if (tokens[r][t] < 0 || tokens[r][t] >= vocabSize()) {
                    throw new IllegalArgumentException("row " + r + " position " + t + ": token id " + tokens[r][t]
                            + " is outside the vocabulary 0.." + (vocabSize() - 1));
                }
            }
        }
        return seq;
    }

    /**
     * x * rsqrt(mean(x^2) + eps) * w over the last axis. The statistics and the normalisation run in fp32 (a 16-bit
     * mean of squares over thousands of values loses digits, and fp16's range can overflow the squares); the normalised
     * x is cast back before the weight multiplies it, as transformers' LlamaRMSNorm does.
     */
    private NDArray rmsNorm(NDArray x, String weight) {
        NDArray wide = x.toType(DataType.FLOAT32, false);
        NDArray rms = wide.square().mean(new int[]{-1}, true).add(config.rmsNormEps()).sqrt();
        return wide.div(rms).toType(compute, false).mul(weights.get(weight));
    }

    /** x @ W^T (+ b when the catalogue lists the bias for this config): x [..., in], W [out, in]. */
    private NDArray linear(NDManager scope, NDArray x, String module) {
        NDArray y = x.matMul(scoped(scope, weights.get(module + ".weight").transpose()));
        return weights.has(module + ".bias") ? y.add(weights.get(module + ".bias")) : y;
    }

    /**
     * Causal grouped-query attention. x [batch, seq, hidden] -> [batch, seq, hidden]. The query heads
     * sharing a KV head are stacked along the sequence axis, so K and V are never repeated in memory.
     */
    private NDArray attention(NDManager scope, NDArray x, String p, NDArray[] cosSin, NDArray mask, KeyValue prefix, KeyValue[] keep) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int dim = config.headDim();
        NDArray q = linear(scope, x, p + "self_attn.q_proj").reshape(batch, seq, heads, dim);
        NDArray k = linear(scope, x, p + "self_attn.k_proj").reshape(batch, seq, kvHeads, dim);
        NDArray v = linear(scope, x, p + "self_attn.v_proj").reshape(batch, seq, kvHeads, dim);
        if (weights.has(p + "self_attn.q_norm.weight")) { // Qwen3: per-head RMSNorm of q and k before RoPE
            q = rmsNorm(q, p + "self_attn.q_norm.weight");
            k = rmsNorm(k, p + "self_attn.k_norm.weight");
        }
        // Not mul(Number): DJL makes that scalar from a Java buffer and frees it at once, but autograd keeps it for backward.
        q = rotate(q.transpose(0, 2, 1, 3), cosSin).mul(owned(scope.create(1.0 / Math.sqrt(dim)))); // [batch, heads, seq, dim]
        k = rotate(k.transpose(0, 2, 1, 3), cosSin); // [batch, kvHeads, seq, dim]
        v = v.transpose(0, 2, 1, 3); // [batch, kvHeads, seq, dim]
        if (keep != null) {
            keep[0] = new KeyValue(k.duplicate(), v.duplicate());
        }
        if (prefix != null) { // keys/values of the shared prefix come first: [batch, kvHeads, prefix + seq, dim]
            Shape shared = new Shape(batch, kvHeads, prefix.keys().getShape().get(2), dim);
            k = NDArrays.concat(new NDList(scoped(scope, prefix.keys().broadcast(shared)), k), 2);
            v = NDArrays.concat(new NDList(scoped(scope, prefix.values().broadcast(shared)), v), 2);
        }
        long keys = k.getShape().get(2);
        int group = heads / kvHeads;
        // [batch, heads, seq, keys]; the mask is added and the softmax taken in fp32 (transformers' eager attention
        // does the same), then the probabilities go back to the resident type for the product with v.
        NDArray scores = q.reshape(batch, kvHeads, group * seq, dim).matMul(k.transpose(0, 1, 3, 2)).toType(DataType.FLOAT32, false)
                .reshape(batch, heads, seq, keys).addi(mask).softmax(-1).toType(compute, false);
        NDArray context = scores.reshape(batch, kvHeads, group * seq, keys).matMul(v)
                .reshape(batch, heads, seq, dim).transpose(0, 2, 1, 3).reshape(batch, seq, (long) heads * dim);
        return linear(scope, context, p + "self_attn.o_proj");
    }

    /** x * cos + rotate_half(x) * sin, where rotate_half(x) = [-x2, x1]. x [..., seq, dim]. */
    private static NDArray rotate(NDArray x, NDArray[] cosSin) {
        long half = x.getShape().get(x.getShape().dimension() - 1) / 2;
        NDArray x1 = x.get("..., :" + half);
        NDArray x2 = x.get("..., " + half + ":");
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return x.mul(cosSin[0]).add(rotated.mul(cosSin[1]));
    }

    /** down(silu(gate(x)) * up(x)). x [batch, seq, hidden]. */
    private NDArray mlp(NDManager scope, NDArray x, String p) {
        NDArray gate = linear(scope, x, p + "mlp.gate_proj");
        NDArray up = linear(scope, x, p + "mlp.up_proj");
        return linear(scope, gate.mul(Activation.sigmoid(gate)).mul(up), p + "mlp.down_proj");
    }

    /** Query i (at position past + i) sees keys 0..past + i: 0 there, -inf after. [seq, past + seq] */
    private static NDArray causalMask(NDManager scope, int past, int seq) {
        int keys = past + seq;
        float[] m = new float[seq * keys];
        for (int i = 0; i < seq; i++) {
            Arrays.fill(m, i * keys + past + i + 1, (i + 1) * keys, Float.NEGATIVE_INFINITY);
        }
        return owned(scope.create(m, new Shape(seq, keys)));
    }

    /**
     * A copy of an array made from Java data, in libtorch's own memory (same manager). On the CPU, DJL's {@code create}
     * wraps a direct buffer that only the returned handle keeps alive, and autograd saves some of these arrays (the
     * embedding's ids, the RoPE tables, the attention's scale): the zoo's fine-tune runs backward after this pass's scope
     * closed, when a garbage collection may have freed the buffer already, and the gradient then read freed memory
     * (GradientAfterScopeTest; in the zoo build it gave specialists that differed from process to process, once a NaN).
     */
    private static NDArray owned(NDArray aliasing) {
        try (aliasing) {
            return aliasing.duplicate();
        }
    }

    /** Ops on a weight alone put their result in the weight's manager; move it to the call's scope. */
    private static NDArray scoped(NDManager scope, NDArray a) {
        a.attach(scope);
        return a;
    }

    @Override
    public void close() {
        manager.close();
    }
}
