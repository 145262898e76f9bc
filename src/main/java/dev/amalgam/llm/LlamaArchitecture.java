package dev.amalgam.llm;

import java.util.Arrays;
import java.util.Optional;

/** The Hugging Face {@code architectures} values {@link LlamaModel} runs, and what each adds to plain Llama. */
public enum LlamaArchitecture {
    LLAMA("LlamaForCausalLM", false, false),
    MISTRAL("MistralForCausalLM", false, false),
    /** Qwen2 always has q/k/v biases (no o_proj bias). */
    QWEN2("Qwen2ForCausalLM", true, false),
    /** Qwen3 applies a per-head RMSNorm to q and k before RoPE. */
    QWEN3("Qwen3ForCausalLM", false, true);

    private final String hfName;
    private final boolean alwaysQkvBias;
    private final boolean qkNorm;

    LlamaArchitecture(String hfName, boolean alwaysQkvBias, boolean qkNorm) {
        this.hfName = hfName;
        this.alwaysQkvBias = alwaysQkvBias;
        this.qkNorm = qkNorm;
    }

    public String hfName() {
        return hfName;
    }

    public boolean alwaysQkvBias() {
        return alwaysQkvBias;
    }

    public boolean qkNorm() {
        return qkNorm;
    }

    public static Optional<LlamaArchitecture> fromHfName(String name) {
        return Arrays.stream(values()).filter(a -> a.hfName.equals(name)).findFirst();
    }
}
