package dev.amalgam.llm;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.amalgam.BadValueException;
import dev.amalgam.safetensors.DType;

import java.util.Locale;

/**
 * {@code evaluation.scoring_dtype} / {@code eval --scoring-dtype}: the dtype the scoring model's weights are resident
 * in, and its matmuls run in ({@link LlamaModel} keeps norms' statistics and softmax in fp32 whatever it is).
 *
 * <p>bfloat16 needs a DJL JNI that maps the type: DJL 0.35.1's {@code libdjl_torch.so} translates only DJL's dtype
 * codes 0..8 ({@code GetScalarTypeFromDType} in {@code djl_pytorch_utils.h}) and executes a bare {@code throw;} for
 * BFLOAT16 (code 11), which terminates the JVM on every device. A JNI built with the two-line mapping (README "GPU")
 * is declared by {@code AMALGAM_JNI_BF16=1}; without it bfloat16 is refused before any tensor is made.
 */
public enum ScoringDtype {
    FLOAT32("float32"), BFLOAT16("bfloat16"), FLOAT16("float16"),
    /** The checkpoint's (or the search's output) dtype on a GPU, float32 on the CPU (CPU fp16 matmuls are far slower). */
    AUTO("auto");

    /** The environment variable that declares a DJL JNI with the bfloat16 mapping. */
    public static final String JNI_BF16 = "AMALGAM_JNI_BF16";

    private final String key;

    ScoringDtype(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** Parses a user's value; {@code keyPath} names the setting in the error (e.g. {@code evaluation.scoring_dtype}). */
    public static ScoringDtype of(String text, String keyPath) {
        String t = text.toLowerCase(Locale.ROOT);
        for (ScoringDtype d : values()) {
            if (d.key.equals(t)) {
                return d;
            }
        }
        throw new BadValueException(keyPath, "expected float32, bfloat16, float16 or auto, got '" + text + "'");
    }

    /** Whether this process's DJL JNI was declared to map bfloat16 (see the class comment). */
    public static boolean jniHasBfloat16() {
        return "1".equals(System.getenv(JNI_BF16));
    }

    /**
     * The resident type for weights stored as {@code stored} (a checkpoint's, or a search's output dtype) on
     * {@code device}: FLOAT32, FLOAT16 or BFLOAT16. AUTO on a GPU takes a 16-bit checkpoint's own type (bf16 only with
     * a bf16 JNI, else float32: fp16's range is narrower than a bf16 model's activations may need).
     *
     * @param keyPath the setting's name for the error when bfloat16 is asked for without a bf16 JNI
     */
    public DataType resolve(Device device, DType stored, String keyPath) {
        return switch (this) {
            case FLOAT32 -> DataType.FLOAT32;
            case FLOAT16 -> DataType.FLOAT16;
            case BFLOAT16 -> {
                if (!jniHasBfloat16()) {
                    throw new BadValueException(keyPath, "bfloat16 needs a DJL JNI that maps bfloat16 (DJL 0.35.1's aborts "
                            + "the JVM on it; README 'GPU' says how to build one, then set " + JNI_BF16 + "=1); use float16 or float32");
                }
                yield DataType.BFLOAT16;
            }
            case AUTO -> {
                if (device.isGpu() && stored == DType.F16) {
                    yield DataType.FLOAT16;
                }
                yield device.isGpu() && stored == DType.BF16 && jniHasBfloat16() ? DataType.BFLOAT16 : DataType.FLOAT32;
            }
        };
    }
}
