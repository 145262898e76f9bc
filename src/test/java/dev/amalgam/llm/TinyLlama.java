package dev.amalgam.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.safetensors.DType;
import dev.amalgam.safetensors.SafetensorsWriter;
import dev.amalgam.safetensors.TensorSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Writes small random Llama-family models (config.json + model.safetensors) for tests. The tensor list
 * is spelled out here from the Hugging Face modeling code, independently of {@link LlamaModel}.
 */
final class TinyLlama {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The knobs the tests vary; the rest of config.json is fixed. */
    record Spec(String architecture, int hidden, int intermediate, int layers, int heads, int kvHeads, int headDim,
                int vocab, boolean tied, boolean attentionBias, ObjectNode ropeScaling) {
        boolean qkvBias() {
            return attentionBias || architecture.equals("Qwen2ForCausalLM");
        }

        boolean qkNorm() {
            return architecture.equals("Qwen3ForCausalLM");
        }
    }

    private TinyLlama() {
    }

    static ObjectNode config(Spec s) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(s.architecture());
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.intermediate());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.headDim());
        c.put("vocab_size", s.vocab());
        c.put("max_position_embeddings", 64);
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 10000.0);
        c.set("rope_scaling", s.ropeScaling());
        c.put("tie_word_embeddings", s.tied());
        c.put("attention_bias", s.attentionBias());
        return c;
    }

    /** Tensor name -> shape, in HF order. */
    static Map<String, long[]> shapes(Spec s) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long q = (long) s.heads() * s.headDim();
        long kv = (long) s.kvHeads() * s.headDim();
        m.put("model.embed_tokens.weight", new long[]{s.vocab(), s.hidden()});
        for (int i = 0; i < s.layers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[]{s.hidden()});
            for (String proj : List.of("q", "k", "v")) {
                long out = proj.equals("q") ? q : kv;
                m.put(p + "self_attn." + proj + "_proj.weight", new long[]{out, s.hidden()});
                if (s.qkvBias()) {
                    m.put(p + "self_attn." + proj + "_proj.bias", new long[]{out});
                }
            }
            if (s.qkNorm()) {
                m.put(p + "self_attn.q_norm.weight", new long[]{s.headDim()});
                m.put(p + "self_attn.k_norm.weight", new long[]{s.headDim()});
            }
            m.put(p + "self_attn.o_proj.weight", new long[]{s.hidden(), q});
            if (s.attentionBias()) {
                m.put(p + "self_attn.o_proj.bias", new long[]{s.hidden()});
            }
            m.put(p + "post_attention_layernorm.weight", new long[]{s.hidden()});
            m.put(p + "mlp.gate_proj.weight", new long[]{s.intermediate(), s.hidden()});
            m.put(p + "mlp.up_proj.weight", new long[]{s.intermediate(), s.hidden()});
            m.put(p + "mlp.down_proj.weight", new long[]{s.hidden(), s.intermediate()});
        }
        m.put("model.norm.weight", new long[]{s.hidden()});
        if (!s.tied()) {
            m.put("lm_head.weight", new long[]{s.vocab(), s.hidden()});
        }
        return m;
    }

    /** Writes the model; {@code editPlan} may drop or reshape tensors to make broken models. */
    static void write(Path dir, Spec s, DType dtype, long maxShardBytes, long seed,
                      Consumer<Map<String, long[]>> editPlan) {
        Map<String, long[]> plan = shapes(s);
        editPlan.accept(plan);
        Random random = new Random(seed);
        List<TensorSpec> specs = new ArrayList<>();
        plan.forEach((name, shape) -> specs.add(new TensorSpec(name, dtype, shape)));
        try {
            Files.createDirectories(dir);
            new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config(s));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafetensorsWriter writer = new SafetensorsWriter(dir, specs, maxShardBytes, Map.of());
        for (TensorSpec t : specs) {
            boolean norm = t.name().endsWith("norm.weight");
            // byte[]-backed: the writer hands F32 segments to NIO, which cannot wrap a float[] heap segment
            MemorySegment values = MemorySegment.ofArray(new byte[Math.toIntExact(t.numel() * 4)]);
            for (long i = 0; i < t.numel(); i++) {
                double v = norm ? 1 + 0.2 * random.nextGaussian() : 0.35 * random.nextGaussian();
                values.setAtIndex(FLOAT_LE, i, (float) v);
            }
            writer.writeFloat32(t.name(), values);
        }
        writer.finish();
    }
}
