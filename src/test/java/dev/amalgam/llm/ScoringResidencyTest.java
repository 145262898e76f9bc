package dev.amalgam.llm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.BadValueException;
import dev.amalgam.Fixtures;
import dev.amalgam.safetensors.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Half-precision residency ({@link ScoringDtype}) on the CPU: fp16 weights and activations give next-token
 * log-likelihoods within a tolerance of the fp32 pass, and the weights occupy 2 bytes per parameter. bf16 is the same
 * code with another type, but DJL 0.35.1's JNI aborts the JVM on any BFLOAT16 tensor, so only its refusal is tested here.
 *
 * <p>Tolerance: fp16's machine epsilon is 2^-10 (~9.8e-4). Each weight and activation is rounded with a relative error
 * of at most eps/2, and a log-likelihood is a logit minus a log-sum-exp of logits, so its error scales with the logits'
 * size: the bound is {@value #EPS_MULTIPLE} eps x the largest |logit| of the fp32 pass, per token (0.13 nats on
 * stories260K, whose logits reach 16.9). Measured worst cases: 3.1 (stories260K) and 4.7 (random Qwen2) eps x max |logit|.
 */
class ScoringResidencyTest {
    static final double FP16_EPS = 0x1p-10;
    static final int EPS_MULTIPLE = 8;

    @TempDir
    Path dir;

    @Test
    void stories260KInFloat16MatchesFloat32LogLikelihoodsAndHolds2BytesPerParameter() {
        Path model = Fixtures.stories260K();
        assertTrue(compare(model, 48) <= EPS_MULTIPLE * FP16_EPS, "stories260K fp16 vs fp32: worst |dLL| over eps x max |logit|");
    }

    @Test
    void randomQwen2AndLlamaInFloat16MatchFloat32() {
        TinyLlama.write(dir.resolve("qwen2"), new TinyLlama.Spec("Qwen2ForCausalLM", 64, 128, 3, 4, 2, 16, 96, true, false, null),
                DType.BF16, Long.MAX_VALUE, 42, plan -> { });
        TinyLlama.write(dir.resolve("llama"), new TinyLlama.Spec("LlamaForCausalLM", 64, 160, 3, 4, 4, 16, 80, false, true, null),
                DType.F32, Long.MAX_VALUE, 43, plan -> { });
        for (String name : new String[]{"qwen2", "llama"}) {
            assertTrue(compare(dir.resolve(name), 24) <= EPS_MULTIPLE * FP16_EPS, name + " fp16 vs fp32: worst |dLL| over eps x max |logit|");
        }
    }

    /**
     * The largest |log p16 - log p32| of the next token over a seeded batch of two rows (one padded), divided by the largest
     * |logit| of the fp32 pass; checks residency sizes on the way.
     */
    private static double compare(Path model, int length) {
        try (LlamaModel f32 = LlamaModel.load(model, Device.cpu(), DataType.FLOAT32);
             LlamaModel f16 = LlamaModel.load(model, Device.cpu(), DataType.FLOAT16);
             NDManager m = NDManager.newBaseManager(Device.cpu())) {
            long params = 0;
            for (String name : f32.weights().names()) {
                params += f32.weights().get(name).size();
                assertEquals(DataType.FLOAT16, f16.weights().get(name).getDataType(), name);
            }
            assertEquals(4 * params, f32.weights().residentBytes());
            assertEquals(2 * params, f16.weights().residentBytes(), "fp16 residency: 2 bytes per parameter");
            SplittableRandom random = new SplittableRandom(5);
            int[] lengths = {length, length / 2};
            int[][] tokens = new int[2][length];
            for (int[] row : tokens) {
                for (int t = 0; t < length; t++) {
                    row[t] = random.nextInt(1, f32.vocabSize());
                }
            }
            NDArray reference = f32.logits(m, tokens, lengths);
            double scale = reference.abs().max().getFloat();
            float[] a = nextTokenLogLikelihoods(reference, tokens, lengths);
            float[] b = nextTokenLogLikelihoods(f16.logits(m, tokens, lengths), tokens, lengths);
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                assertTrue(Float.isFinite(b[i]), "fp16 log-likelihood " + i + " is " + b[i]);
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            System.out.printf("%s: fp16 vs fp32 worst |dLL| %.3g over %d tokens, max |logit| %.3g: %.2f eps x max |logit|%n",
                    model.getFileName(), worst, a.length, scale, worst / FP16_EPS / scale);
            return worst / scale;
        }
    }

    /** log p(token t+1 | tokens <= t) for every real position but the last of each row: logits [batch, seq, vocab] fp32. */
    static float[] nextTokenLogLikelihoods(NDArray logits, int[][] tokens, int[] lengths) {
        assertEquals(DataType.FLOAT32, logits.getDataType(), "logits reach the caller in fp32");
        long vocab = logits.getShape().get(2);
        int seq = tokens[0].length;
        float[] logProbs = logits.logSoftmax(-1).toFloatArray();
        int n = 0;
        for (int length : lengths) {
            n += length - 1;
        }
        float[] out = new float[n];
        int k = 0;
        for (int r = 0; r < tokens.length; r++) {
            for (int t = 0; t + 1 < lengths[r]; t++) {
                out[k++] = logProbs[(int) (((long) r * seq + t) * vocab + tokens[r][t + 1])];
            }
        }
        return out;
    }

    @Test
    void autoIsFloat32OnTheCpuAndTheCheckpointsHalfTypeOnAGpu() {
        for (DType stored : DType.values()) {
            assertEquals(DataType.FLOAT32, ScoringDtype.AUTO.resolve(Device.cpu(), stored, "k"), stored + " on the CPU");
        }
        assertEquals(DataType.FLOAT16, ScoringDtype.AUTO.resolve(Device.gpu(), DType.F16, "k"));
        assertEquals(DataType.FLOAT32, ScoringDtype.AUTO.resolve(Device.gpu(), DType.F32, "k"));
        assertEquals(ScoringDtype.jniHasBfloat16() ? DataType.BFLOAT16 : DataType.FLOAT32, ScoringDtype.AUTO.resolve(Device.gpu(), DType.BF16, "k"));
        assertEquals(DataType.FLOAT16, ScoringDtype.FLOAT16.resolve(Device.cpu(), DType.BF16, "k"), "an explicit type is kept");
        assertEquals(ScoringDtype.FLOAT16, ScoringDtype.of("Float16", "k"));
        BadValueException bad = assertThrows(BadValueException.class, () -> ScoringDtype.of("half", "evaluation.scoring_dtype"));
        assertEquals("evaluation.scoring_dtype: expected float32, bfloat16, float16 or auto, got 'half'", bad.getMessage());
    }

    /** Without a JNI declared to map bfloat16, asking for it is refused before any tensor exists (it would abort the JVM). */
    @Test
    void bfloat16IsRefusedWithoutABfloat16Jni() {
        assumeFalse(ScoringDtype.jniHasBfloat16(), ScoringDtype.JNI_BF16 + " is set: this JVM would try bf16");
        BadValueException e = assertThrows(BadValueException.class,
                () -> LlamaModel.load(Fixtures.stories260K(), Device.cpu(), ScoringDtype.BFLOAT16, "--scoring-dtype"));
        assertTrue(e.getMessage().startsWith("--scoring-dtype: bfloat16 needs a DJL JNI that maps bfloat16"), e.getMessage());
    }
}
