package dev.amalgam.llm;

import dev.amalgam.safetensors.SafetensorsModel;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A plain double-precision, one-token-at-a-time Llama-family forward pass written from the Hugging
 * Face modeling code (rotate-half RoPE with llama3 scaling, GQA, Qwen2 biases, Qwen3 q/k norms). It
 * shares nothing with {@link LlamaModel} but the safetensors reader; it is the reference in tests.
 */
final class ScalarLlama {
    private final TinyLlama.Spec s;
    private final Map<String, float[]> w = new HashMap<>();
    private final double[] invFreq;

    ScalarLlama(Path dir, TinyLlama.Spec spec) {
        this.s = spec;
        try (SafetensorsModel model = SafetensorsModel.open(dir)) {
            for (String name : model.tensorNames()) {
                w.put(name, model.slice(name).toFloatArray());
            }
        }
        int half = s.headDim() / 2;
        invFreq = new double[half];
        for (int i = 0; i < half; i++) {
            invFreq[i] = 1.0 / Math.pow(10000.0, 2.0 * i / s.headDim());
        }
        if (s.ropeScaling() != null) {
            llama3(s.ropeScaling().get("factor").doubleValue(), s.ropeScaling().get("low_freq_factor").doubleValue(),
                    s.ropeScaling().get("high_freq_factor").doubleValue(),
                    s.ropeScaling().get("original_max_position_embeddings").doubleValue());
        }
    }

    /** transformers' _compute_llama3_parameters, in its torch.where form. */
    private void llama3(double factor, double lowFreqFactor, double highFreqFactor, double oldContext) {
        double lowFreqWavelen = oldContext / lowFreqFactor;
        double highFreqWavelen = oldContext / highFreqFactor;
        for (int i = 0; i < invFreq.length; i++) {
            double wavelen = 2 * Math.PI / invFreq[i];
            double llama = wavelen > lowFreqWavelen ? invFreq[i] / factor : invFreq[i];
            double smoothFactor = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            double smoothed = (1 - smoothFactor) * llama / factor + smoothFactor * llama;
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            invFreq[i] = medium ? smoothed : llama;
        }
    }

    /** logits [seq][vocab] for one sequence. */
    double[][] logits(int[] tokens) {
        int n = tokens.length;
        int hd = s.headDim();
        int group = s.heads() / s.kvHeads();
        double[][][] keys = new double[s.layers()][n][];
        double[][][] values = new double[s.layers()][n][];
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] x = row("model.embed_tokens.weight", tokens[t], s.hidden());
            for (int l = 0; l < s.layers(); l++) {
                String p = "model.layers." + l + ".";
                double[] h = rmsNorm(x, w.get(p + "input_layernorm.weight"));
                double[] q = linear(p + "self_attn.q_proj", h);
                double[] k = linear(p + "self_attn.k_proj", h);
                double[] v = linear(p + "self_attn.v_proj", h);
                for (int head = 0; head < s.heads(); head++) {
                    if (s.qkNorm()) {
                        normHead(q, head * hd, w.get(p + "self_attn.q_norm.weight"));
                    }
                    rope(q, head * hd, t);
                }
                for (int head = 0; head < s.kvHeads(); head++) {
                    if (s.qkNorm()) {
                        normHead(k, head * hd, w.get(p + "self_attn.k_norm.weight"));
                    }
                    rope(k, head * hd, t);
                }
                keys[l][t] = k;
                values[l][t] = v;
                double[] attn = new double[s.heads() * hd];
                for (int head = 0; head < s.heads(); head++) {
                    int kvOff = (head / group) * hd;
                    double[] score = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += q[head * hd + d] * keys[l][u][kvOff + d];
                        }
                        score[u] = dot / Math.sqrt(hd);
                        max = Math.max(max, score[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) {
                        score[u] = Math.exp(score[u] - max);
                        sum += score[u];
                    }
                    for (int u = 0; u <= t; u++) {
                        for (int d = 0; d < hd; d++) {
                            attn[head * hd + d] += score[u] / sum * values[l][u][kvOff + d];
                        }
                    }
                }
                add(x, linear(p + "self_attn.o_proj", attn));
                double[] h2 = rmsNorm(x, w.get(p + "post_attention_layernorm.weight"));
                double[] gate = linear(p + "mlp.gate_proj", h2);
                double[] up = linear(p + "mlp.up_proj", h2);
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                add(x, linear(p + "mlp.down_proj", gate));
            }
            double[] h = rmsNorm(x, w.get("model.norm.weight"));
            out[t] = matVec(w.get(s.tied() ? "model.embed_tokens.weight" : "lm_head.weight"), h, s.vocab());
        }
        return out;
    }

    private double[] row(String name, int r, int width) {
        double[] x = new double[width];
        for (int i = 0; i < width; i++) {
            x[i] = w.get(name)[r * width + i];
        }
        return x;
    }

    private double[] linear(String prefix, double[] x) {
        float[] weight = w.get(prefix + ".weight");
        double[] y = matVec(weight, x, weight.length / x.length);
        float[] bias = w.get(prefix + ".bias");
        if (bias != null) {
            for (int i = 0; i < y.length; i++) {
                y[i] += bias[i];
            }
        }
        return y;
    }

    private static double[] matVec(float[] weight, double[] x, int rows) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            for (int c = 0; c < x.length; c++) {
                acc += weight[r * x.length + c] * x[c];
            }
            y[r] = acc;
        }
        return y;
    }

    private static double[] rmsNorm(double[] x, float[] weight) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1 / Math.sqrt(ss / x.length + 1e-6);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * weight[i];
        }
        return y;
    }

    private void normHead(double[] v, int off, float[] weight) {
        double[] head = new double[s.headDim()];
        System.arraycopy(v, off, head, 0, head.length);
        System.arraycopy(rmsNorm(head, weight), 0, v, off, head.length);
    }

    private void rope(double[] v, int off, int pos) {
        int half = s.headDim() / 2;
        for (int i = 0; i < half; i++) {
            double a = v[off + i];
            double b = v[off + half + i];
            double cos = Math.cos(pos * invFreq[i]);
            double sin = Math.sin(pos * invFreq[i]);
            v[off + i] = a * cos - b * sin;
            v[off + half + i] = b * cos + a * sin;
        }
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
