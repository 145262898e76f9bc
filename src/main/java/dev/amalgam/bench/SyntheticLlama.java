package dev.amalgam.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.files.StagedDirectory;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes random Llama-layout HF model folders for tests and benchmarks. A "fine-tune" is the base
 * plus seeded noise: {@code value = base(seed, tensor) + deltaScale * noise(deltaSeed, tensor)},
 * so related models share their base exactly where deltaScale is 0.
 *
 * @param hidden       hidden_size
 * @param intermediate intermediate_size
 * @param layers       num_hidden_layers
 * @param heads        num_attention_heads
 * @param kvHeads      num_key_value_heads
 * @param vocab        vocab_size
 * @param tied         tie_word_embeddings (no lm_head.weight)
 */
public record SyntheticLlama(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, boolean tied) {
    public SyntheticLlama {
        if (hidden % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("hidden must divide by heads and heads by kvHeads");
        }
    }

    public int headDim() {
        return hidden / heads;
    }

    /** Tensor names and shapes in HF order. */
    public List<TensorSpec> tensors(DType dtype) {
        List<TensorSpec> t = new ArrayList<>();
        int kv = kvHeads * headDim();
        t.add(new TensorSpec("model.embed_tokens.weight", dtype, new long[] {vocab, hidden}));
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            t.add(new TensorSpec(p + "input_layernorm.weight", dtype, new long[] {hidden}));
            t.add(new TensorSpec(p + "self_attn.q_proj.weight", dtype, new long[] {hidden, hidden}));
            t.add(new TensorSpec(p + "self_attn.k_proj.weight", dtype, new long[] {kv, hidden}));
            t.add(new TensorSpec(p + "self_attn.v_proj.weight", dtype, new long[] {kv, hidden}));
            t.add(new TensorSpec(p + "self_attn.o_proj.weight", dtype, new long[] {hidden, hidden}));
            t.add(new TensorSpec(p + "post_attention_layernorm.weight", dtype, new long[] {hidden}));
            t.add(new TensorSpec(p + "mlp.gate_proj.weight", dtype, new long[] {intermediate, hidden}));
            t.add(new TensorSpec(p + "mlp.up_proj.weight", dtype, new long[] {intermediate, hidden}));
            t.add(new TensorSpec(p + "mlp.down_proj.weight", dtype, new long[] {hidden, intermediate}));
        }
        t.add(new TensorSpec("model.norm.weight", dtype, new long[] {hidden}));
        if (!tied) {
            t.add(new TensorSpec("lm_head.weight", dtype, new long[] {vocab, hidden}));
        }
        return t;
    }

    public long bytes(DType dtype) {
        return tensors(dtype).stream().mapToLong(TensorSpec::byteLength).sum();
    }

    /** Writes config.json and safetensors shards of at most {@code shardBytes} into {@code dir}. */
    public void write(Path dir, DType dtype, long seed, long deltaSeed, float deltaScale, long shardBytes) {
        List<TensorSpec> plan = tensors(dtype);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), config(dtype).toPrettyString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (SafetensorsWriter w = new SafetensorsWriter(dir, plan, shardBytes, Map.of("format", "pt"))) {
            for (TensorSpec t : plan) {
                float[] v = values(t, seed, deltaSeed, deltaScale);
                w.writeFloat32(t.name(), MemorySegment.ofArray(v));
            }
            w.finish();
        }
    }

    /** The mark in a staging folder {@link #writeScorable} made, which a later run may replace. */
    static final String STAGING = ".amalgam-synthetic-staging";

    /**
     * Writes the model into {@code dir} unless a previous run already did, with the tokenizer files of
     * {@code tokenizerFrom} (the stories260K tokenizer: its ids are valid in any vocabulary of 512 or more),
     * so the folder loads and scores like a real checkpoint. Returns {@code dir}. Written into {@code dir.part} and
     * renamed when whole: a run killed while writing (or missing the tokenizer) leaves no folder a later run would
     * take for a model. The next run replaces that {@code .part} folder only where it holds {@link #STAGING}, the mark
     * this method leaves in the folders it makes; one without it (someone else's) is refused, and nothing in it deleted.
     */
    public Path writeScorable(Path dir, DType dtype, long seed, long deltaSeed, float deltaScale, Path tokenizerFrom) {
        if (Files.exists(dir.resolve("config.json"))) {
            return dir;
        }
        Path staged = dir.resolveSibling(dir.getFileName() + ".part");
        try {
            if (Files.isDirectory(staged)) {
                if (!Files.exists(staged.resolve(STAGING))) {
                    throw new IllegalArgumentException(staged + " exists and is not a model this benchmark was making;"
                            + " it is not replaced: remove it or name another folder");
                }
                StagedDirectory.deleteRecursively(staged);
            }
            Files.createDirectories(staged);
            Files.createFile(staged.resolve(STAGING));
            write(staged, dtype, seed, deltaSeed, deltaScale, 1L << 30);
            for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
                Files.copy(tokenizerFrom.resolve(f), staged.resolve(f));
            }
            Files.delete(staged.resolve(STAGING));
            Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the model " + dir, e);
        }
        return dir;
    }

    /** The tensor's values: norms near 1, matrices ~ N(0, 0.02^2), plus the scaled delta noise. */
    static float[] values(TensorSpec t, long seed, long deltaSeed, float deltaScale) {
        int n = Math.toIntExact(t.numel());
        float[] v = new float[n];
        boolean norm = t.shape().length == 1;
        SplittableRandom base = new SplittableRandom(seed ^ (t.name().hashCode() * 0x9E3779B97F4A7C15L));
        for (int i = 0; i < n; i++) {
            v[i] = norm ? 1f + 0.1f * (float) (base.nextDouble() - 0.5) : 0.02f * (float) gaussian(base);
        }
        if (deltaScale != 0f) {
            SplittableRandom delta = new SplittableRandom(deltaSeed ^ (t.name().hashCode() * 0xC2B2AE3D27D4EB4FL));
            for (int i = 0; i < n; i++) {
                v[i] += deltaScale * 0.02f * (float) gaussian(delta);
            }
        }
        return v;
    }

    private static double gaussian(SplittableRandom r) {
        // Irwin-Hall approximation: cheap and plenty for synthetic weights.
        double s = 0;
        for (int k = 0; k < 4; k++) {
            s += r.nextDouble();
        }
        return (s - 2.0) * Math.sqrt(3.0);
    }

    public ObjectNode config(DType dtype) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim());
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", 512);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", tied);
        c.put("torch_dtype", dtype.torchName());
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        return c;
    }
}
