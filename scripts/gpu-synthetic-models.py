#!/usr/bin/env python3
"""Writes three bf16 Llama-layout models with Mistral-7B's layer shapes (hidden 4096, intermediate 14336, 32 heads,
8 KV heads, vocab 32000) but 8 of its 32 layers (about 2.0e9 parameters, 4 GB each): OUT/base, and OUT/ft-a, OUT/ft-b
= base + 10% noise, with the stories260K tokenizer (its 512 ids are valid in the 32000-row vocabulary).
Random values are drawn on the GPU when there is one.   usage: gpu-synthetic-models.py OUT TOKENIZER_DIR"""
import json, os, shutil, sys
import torch
from safetensors.torch import save_file

out, tok = sys.argv[1], sys.argv[2]
H, I, L, HEADS, KV, V = 4096, 14336, 8, 32, 8, 32000
dev = "cuda" if torch.cuda.is_available() else "cpu"
kv = KV * H // HEADS
shapes = {"model.embed_tokens.weight": (V, H)}
for l in range(L):
    p = f"model.layers.{l}."
    shapes.update({p + "input_layernorm.weight": (H,), p + "self_attn.q_proj.weight": (H, H),
                   p + "self_attn.k_proj.weight": (kv, H), p + "self_attn.v_proj.weight": (kv, H),
                   p + "self_attn.o_proj.weight": (H, H), p + "post_attention_layernorm.weight": (H,),
                   p + "mlp.gate_proj.weight": (I, H), p + "mlp.up_proj.weight": (I, H), p + "mlp.down_proj.weight": (H, I)})
shapes.update({"model.norm.weight": (H,), "lm_head.weight": (V, H)})
config = {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": H, "intermediate_size": I,
          "num_hidden_layers": L, "num_attention_heads": HEADS, "num_key_value_heads": KV, "head_dim": H // HEADS,
          "vocab_size": V, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
          "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": 2}
g = torch.Generator(device=dev)
g.manual_seed(1)
base = {n: (1 + 0.1 * (torch.rand(s, generator=g, device=dev) - 0.5)) if len(s) == 1 else 0.02 * torch.randn(s, generator=g, device=dev)
        for n, s in shapes.items()}
for name, seed, scale in (("base", 0, 0.0), ("ft-a", 11, 0.1), ("ft-b", 12, 0.1)):
    d = os.path.join(out, name)
    if os.path.exists(os.path.join(d, "config.json")):
        continue
    os.makedirs(d, exist_ok=True)
    g.manual_seed(seed)
    tensors = {n: (t + scale * 0.02 * torch.randn(t.shape, generator=g, device=dev) if scale else t).to(torch.bfloat16).cpu().contiguous()
               for n, t in base.items()}
    save_file(tensors, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(tok, f), d)
    print(name, sum(t.numel() for t in tensors.values()), "parameters")
