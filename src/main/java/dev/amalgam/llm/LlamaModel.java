package dev.amalgam.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.amalgam.BadInputException;
import dev.amalgam.safetensors.SafetensorsModel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Llama-family decoder (Llama, Mistral, Qwen2, Qwen3) run in fp32 with DJL NDArray ops, from a
 * Hugging Face folder ({@code config.json} + safetensors). Weights live in {@link #weights()} and may be
 * overwritten in place between calls. Mistral's sliding window is not applied (it only matters past
 * {@code sliding_window} tokens).
 */
public final class LlamaModel implements CausalLanguageModel {
    static final String EMBED = "model.embed_tokens.weight";
    static final String FINAL_NORM = "model.norm.weight";
    static final String LM_HEAD = "lm_head.weight";

    private final LlamaConfig config;
    private final NDManager manager; // owns every weight, on the model's device
    private final ModelWeights weights;
    private final RotaryEmbedding rope;

    private LlamaModel(LlamaConfig config, NDManager manager, ModelWeights weights) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        this.rope = RotaryEmbedding.of(config);
    }

    /** Loads onto the GPU when DJL sees one, else the CPU. */
    public static LlamaModel load(Path modelDir) {
        return load(modelDir, Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu());
    }

    public static LlamaModel load(Path modelDir, Device device) {
        LlamaConfig config = LlamaConfig.read(modelDir);
        NDManager manager = NDManager.newBaseManager(device);
        try (SafetensorsModel source = SafetensorsModel.open(modelDir)) {
            requireLayerCount(modelDir, config, source);
            ModelWeights weights = ModelWeights.read(source, expectedShapes(config), manager);
            return new LlamaModel(config, manager, weights);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** config.json must count the layers the tensors hold: with fewer, the model would be scored without the rest. */
    private static void requireLayerCount(Path modelDir, LlamaConfig config, SafetensorsModel source) {
        String prefix = "model.layers.";
        int stored = 0;
        for (String name : source.tensorNames()) {
            int end = name.indexOf('.', prefix.length());
            if (name.startsWith(prefix) && end > prefix.length() && name.substring(prefix.length(), end).chars().allMatch(Character::isDigit)) {
                stored = Math.max(stored, Integer.parseInt(name.substring(prefix.length(), end)) + 1);
            }
        }
        if (stored != config.numHiddenLayers()) {
            throw new BadInputException(modelDir.resolve(LlamaConfig.FILE) + ": num_hidden_layers is " + config.numHiddenLayers()
                    + " but the tensors hold " + stored + " layers" + (stored == 0 ? "" : " (" + prefix + "0 to " + prefix + (stored - 1) + ")"));
        }
    }

    /** Every tensor the forward pass reads, with its HF shape. */
    static Map<String, long[]> expectedShapes(LlamaConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(EMBED, new long[]{c.vocabSize(), h});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[]{h});
            m.put(p + "self_attn.q_proj.weight", new long[]{q, h});
            m.put(p + "self_attn.k_proj.weight", new long[]{kv, h});
            m.put(p + "self_attn.v_proj.weight", new long[]{kv, h});
            if (c.qkvBias()) {
                m.put(p + "self_attn.q_proj.bias", new long[]{q});
                m.put(p + "self_attn.k_proj.bias", new long[]{kv});
                m.put(p + "self_attn.v_proj.bias", new long[]{kv});
            }
            if (c.architecture().qkNorm()) {
                m.put(p + "self_attn.q_norm.weight", new long[]{c.headDim()});
                m.put(p + "self_attn.k_norm.weight", new long[]{c.headDim()});
            }
            m.put(p + "self_attn.o_proj.weight", new long[]{h, q});
            if (c.outputBias()) {
                m.put(p + "self_attn.o_proj.bias", new long[]{h});
            }
            m.put(p + "post_attention_layernorm.weight", new long[]{h});
            m.put(p + "mlp.gate_proj.weight", new long[]{c.intermediateSize(), h});
            m.put(p + "mlp.up_proj.weight", new long[]{c.intermediateSize(), h});
            m.put(p + "mlp.down_proj.weight", new long[]{h, c.intermediateSize()});
        }
        m.put(FINAL_NORM, new long[]{h});
        if (!c.tieWordEmbeddings()) {
            m.put(LM_HEAD, new long[]{c.vocabSize(), h});
        }
        return m;
    }

    public LlamaConfig config() {
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
            long[] ids = new long[batch * seq]; // padding positions read token 0: their outputs are never used
            for (int r = 0; r < batch; r++) {
                for (int t = 0; t < lengths[r]; t++) {
                    ids[r * seq + t] = tokens[r][t];
                }
            }
            NDArray x = scoped(scope, weights.get(EMBED).get(new NDIndex("{}", scope.create(ids))))
                    .reshape(batch, seq, config.hiddenSize()); // [batch, seq, hidden]
            NDArray[] cosSin = rope.cosSin(scope, seq); // 2 x [seq, headDim]
            NDArray mask = causalMask(scope, seq); // [seq, seq]
            for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
                String p = "model.layers." + layer + ".";
                x = x.add(attention(scope, rmsNorm(x, p + "input_layernorm.weight"), p, cosSin, mask));
                x = x.add(mlp(scope, rmsNorm(x, p + "post_attention_layernorm.weight"), p));
            }
            if (from != null) {
                x = x.reshape((long) batch * seq, config.hiddenSize()).get(new NDIndex("{}", scope.create(positions(from, lengths, seq))));
            }
            NDArray head = weights.get(config.tieWordEmbeddings() ? EMBED : LM_HEAD);
            NDArray logits = rmsNorm(x, FINAL_NORM).matMul(scoped(scope, head.transpose())); // [batch, seq, vocab] or [n, vocab]
            NDArray out = logits.toDevice(caller.getDevice(), false);
            out.attach(caller);
            return out;
        }
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

    /** x * rsqrt(mean(x^2) + eps) * w over the last axis. */
    private NDArray rmsNorm(NDArray x, String weight) {
        NDArray rms = x.square().mean(new int[]{-1}, true).add(config.rmsNormEps()).sqrt();
        return x.div(rms).mul(weights.get(weight));
    }

    /** x @ W^T (+ b): x [..., in], W [out, in]. */
    private NDArray linear(NDManager scope, NDArray x, String weight, boolean bias) {
        NDArray y = x.matMul(scoped(scope, weights.get(weight + ".weight").transpose()));
        return bias ? y.add(weights.get(weight + ".bias")) : y;
    }

    /**
     * Causal grouped-query attention. x [batch, seq, hidden] -> [batch, seq, hidden]. The query heads
     * sharing a KV head are stacked along the sequence axis, so K and V are never repeated in memory.
     */
    private NDArray attention(NDManager scope, NDArray x, String p, NDArray[] cosSin, NDArray mask) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int dim = config.headDim();
        boolean bias = config.qkvBias();
        NDArray q = linear(scope, x, p + "self_attn.q_proj", bias).reshape(batch, seq, heads, dim);
        NDArray k = linear(scope, x, p + "self_attn.k_proj", bias).reshape(batch, seq, kvHeads, dim);
        NDArray v = linear(scope, x, p + "self_attn.v_proj", bias).reshape(batch, seq, kvHeads, dim);
        if (config.architecture().qkNorm()) {
            q = rmsNorm(q, p + "self_attn.q_norm.weight");
            k = rmsNorm(k, p + "self_attn.k_norm.weight");
        }
        q = rotate(q.transpose(0, 2, 1, 3), cosSin).mul(1.0 / Math.sqrt(dim)); // [batch, heads, seq, dim]
        k = rotate(k.transpose(0, 2, 1, 3), cosSin); // [batch, kvHeads, seq, dim]
        v = v.transpose(0, 2, 1, 3); // [batch, kvHeads, seq, dim]
        int group = heads / kvHeads;
        NDArray scores = q.reshape(batch, kvHeads, group * seq, dim).matMul(k.transpose(0, 1, 3, 2))
                .reshape(batch, heads, seq, seq).addi(mask).softmax(-1); // [batch, heads, seq, seq], mask added in place
        NDArray context = scores.reshape(batch, kvHeads, group * seq, seq).matMul(v)
                .reshape(batch, heads, seq, dim).transpose(0, 2, 1, 3).reshape(batch, seq, (long) heads * dim);
        return linear(scope, context, p + "self_attn.o_proj", config.outputBias());
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
        NDArray gate = linear(scope, x, p + "mlp.gate_proj", false);
        NDArray up = linear(scope, x, p + "mlp.up_proj", false);
        return linear(scope, gate.mul(Activation.sigmoid(gate)).mul(up), p + "mlp.down_proj", false);
    }

    /** 0 on and below the diagonal, -inf above. [seq, seq] */
    private static NDArray causalMask(NDManager scope, int seq) {
        float[] m = new float[seq * seq];
        for (int i = 0; i < seq; i++) {
            Arrays.fill(m, i * seq + i + 1, (i + 1) * seq, Float.NEGATIVE_INFINITY);
        }
        return scope.create(m, new Shape(seq, seq));
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
