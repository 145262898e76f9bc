package dev.amalgam.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.bench.SyntheticLlama;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Small stand-ins for the models mergekit's examples and tests name, in the tensor layouts transformers
 * saves: Llama-family (Llama, Mistral, Granite), GPT-2 ({@code transformer.h.N}, Conv1D shapes, tied
 * head) and LLaVA ({@code model.language_model.*}, a CLIP vision tower, a projector).
 */
final class MergekitModels {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MergekitModels() {
    }

    /** A Llama-layout model whose config names {@code architecture}. */
    static void llama(Path dir, SyntheticLlama shape, String architecture, long seed) {
        shape.write(dir, DType.F32, 1, seed, 1f, 1L << 30);
        ObjectNode config = shape.config(DType.F32);
        config.putArray("architectures").add(architecture);
        writeConfig(dir, config);
    }

    /** A GPT-2 of {@code layers} blocks, hidden 16, as GPT2LMHeadModel.save_pretrained writes it (head tied). */
    static void gpt2(Path dir, int layers, long seed) {
        int n = 16;
        int vocab = 40;
        List<TensorSpec> t = new ArrayList<>();
        t.add(spec("transformer.wte.weight", vocab, n));
        t.add(spec("transformer.wpe.weight", 32, n));
        for (int i = 0; i < layers; i++) {
            String p = "transformer.h." + i + ".";
            t.add(spec(p + "ln_1.weight", n));
            t.add(spec(p + "ln_1.bias", n));
            t.add(spec(p + "attn.c_attn.weight", n, 3 * n)); // Conv1D: [in, out]
            t.add(spec(p + "attn.c_attn.bias", 3 * n));
            t.add(spec(p + "attn.c_proj.weight", n, n));
            t.add(spec(p + "attn.c_proj.bias", n));
            t.add(spec(p + "ln_2.weight", n));
            t.add(spec(p + "ln_2.bias", n));
            t.add(spec(p + "mlp.c_fc.weight", n, 4 * n));
            t.add(spec(p + "mlp.c_fc.bias", 4 * n));
            t.add(spec(p + "mlp.c_proj.weight", 4 * n, n));
            t.add(spec(p + "mlp.c_proj.bias", n));
        }
        t.add(spec("transformer.ln_f.weight", n));
        t.add(spec("transformer.ln_f.bias", n));
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add("GPT2LMHeadModel");
        config.put("model_type", "gpt2").put("n_embd", n).put("n_head", 2).put("n_layer", layers).put("n_positions", 32)
                .put("n_ctx", 32).put("vocab_size", vocab).put("torch_dtype", "float32");
        write(dir, config, t, seed);
    }

    /** A LLaVA with a 2-layer Llama language tower and a 2-layer CLIP vision tower (transformers >= 4.52 names). */
    static void llava(Path dir, long seed) {
        SyntheticLlama text = new SyntheticLlama(32, 48, 2, 16, 16, 64, false);
        List<TensorSpec> t = new ArrayList<>();
        for (TensorSpec s : text.tensors(DType.F32)) {
            String name = s.name().startsWith("lm_head.") ? s.name() : s.name().replaceFirst("^model\\.", "model.language_model.");
            t.add(new TensorSpec(name, DType.F32, s.shape()));
        }
        int v = 64;
        String vision = "model.vision_tower.vision_model.";
        t.add(spec(vision + "embeddings.patch_embedding.weight", v, 3 * 4 * 4));
        t.add(spec(vision + "embeddings.position_embedding.weight", 65, v));
        for (int i = 0; i < 2; i++) {
            String p = vision + "encoder.layers." + i + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                t.add(spec(p + "self_attn." + proj + ".weight", v, v));
                t.add(spec(p + "self_attn." + proj + ".bias", v));
            }
            t.add(spec(p + "layer_norm1.weight", v));
            t.add(spec(p + "layer_norm2.weight", v));
            t.add(spec(p + "mlp.fc1.weight", 2 * v, v));
            t.add(spec(p + "mlp.fc2.weight", v, 2 * v));
        }
        t.add(spec(vision + "post_layernorm.weight", v));
        t.add(spec("model.multi_modal_projector.linear_1.weight", 32, v));
        t.add(spec("model.multi_modal_projector.linear_2.weight", 32, 32));
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add("LlavaForConditionalGeneration");
        config.put("model_type", "llava").put("image_seq_length", 16).put("torch_dtype", "float32");
        config.set("text_config", text.config(DType.F32).put("model_type", "llama"));
        config.putObject("vision_config").put("model_type", "clip_vision_model").put("hidden_size", v)
                .put("num_hidden_layers", 2).put("image_size", 32).put("patch_size", 4);
        write(dir, config, t, seed);
    }

    /**
     * A BPE tokenizer as mergekit's tests make it and LlamaTokenizerFast.save_pretrained writes it:
     * {@code <unk> <s> </s> _tok_3 ... _tok_<vocab-1>} ({@code <unk> <s> </s>} also special added tokens), then
     * the added tokens at ids vocab, vocab+1, ...; tokenizer_config.json lists the added tokens.
     */
    static void tokenizer(Path dir, int vocab, List<String> added) {
        tokenizer(dir, vocab, added, Map.of());
    }

    /** The same with some tokens of the vocabulary renamed ({@code renamed}: id -> token). */
    static void tokenizer(Path dir, int vocab, List<String> added, Map<Integer, String> renamed) {
        ObjectNode root = JSON.createObjectNode().put("version", "1.0");
        var addedTokens = root.putArray("added_tokens");
        ObjectNode model = root.putObject("model").put("type", "BPE");
        ObjectNode ids = model.putObject("vocab");
        for (int i = 0; i < vocab; i++) {
            ids.put(renamed.getOrDefault(i, i == 0 ? "<unk>" : i == 1 ? "<s>" : i == 2 ? "</s>" : "_tok_" + i), i);
        }
        model.putArray("merges");
        ObjectNode config = JSON.createObjectNode().put("tokenizer_class", "LlamaTokenizerFast");
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        for (int i = 0; i < 3 + added.size(); i++) {
            boolean special = i < 3;
            String content = special ? List.of("<unk>", "<s>", "</s>").get(i) : added.get(i - 3);
            int id = special ? i : vocab + i - 3;
            ObjectNode entry = addedTokens.addObject().put("id", id).put("content", content).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", !special).put("special", special);
            ObjectNode info = entry.deepCopy();
            info.remove("id");
            decoder.set(String.valueOf(id), info);
        }
        try {
            Files.writeString(dir.resolve("tokenizer.json"), root.toPrettyString());
            Files.writeString(dir.resolve("tokenizer_config.json"), config.toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TensorSpec spec(String name, long... shape) {
        return new TensorSpec(name, DType.F32, shape);
    }

    private static void write(Path dir, ObjectNode config, List<TensorSpec> tensors, long seed) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeConfig(dir, config);
        SplittableRandom random = new SplittableRandom(seed);
        try (SafetensorsWriter w = new SafetensorsWriter(dir, tensors, 1L << 30, Map.of("format", "pt"))) {
            for (TensorSpec s : tensors) {
                float[] v = new float[Math.toIntExact(s.numel())];
                for (int i = 0; i < v.length; i++) {
                    v[i] = s.shape().length == 1 ? 1f + 0.1f * (float) random.nextGaussian() : 0.02f * (float) random.nextGaussian();
                }
                w.writeFloat32(s.name(), MemorySegment.ofArray(v));
            }
            w.finish();
        }
    }

    private static void writeConfig(Path dir, ObjectNode config) {
        try {
            Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
