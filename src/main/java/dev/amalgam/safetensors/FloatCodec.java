package dev.amalgam.safetensors;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Conversions between the 16-bit float formats and fp32, done in Java because DJL's PyTorch JNI
 * aborts the JVM on BFLOAT16. bf16 is the top half of an fp32; narrowing rounds to nearest even.
 */
public final class FloatCodec {
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble DOUBLE_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FloatCodec() {
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** fp32 to bf16 with round-to-nearest-even; NaN stays a (quiet) NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lsb = (bits >>> 16) & 1;
        int rounded = bits + 0x7FFF + lsb;
        return (short) (rounded >>> 16);
    }

    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /** {@code f} as a file of {@code dtype} would hold it (round to nearest even), as fp32. */
    public static float roundTo(DType dtype, float f) {
        return switch (dtype) {
            case F32, F64 -> f;
            case BF16 -> bf16ToFloat(floatToBf16(f));
            case F16 -> f16ToFloat(floatToF16(f));
            default -> throw new IllegalArgumentException("cannot round to " + dtype);
        };
    }

    /**
     * Widens {@code n} elements of {@code src} (in {@code dtype}) to little-endian fp32 in {@code dst}.
     * Only floating types are accepted.
     */
    public static void widenToF32(DType dtype, MemorySegment src, MemorySegment dst, long n) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, 0, dst, 0, n * 4);
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(FLOAT_LE, i, bf16ToFloat(src.getAtIndex(SHORT_LE, i)));
                }
            }
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(FLOAT_LE, i, f16ToFloat(src.getAtIndex(SHORT_LE, i)));
                }
            }
            case F64 -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(FLOAT_LE, i, (float) src.getAtIndex(DOUBLE_LE, i));
                }
            }
            default -> throw new IllegalArgumentException("cannot widen " + dtype + " to F32");
        }
    }

    /**
     * Widens {@code count} elements of {@code src} (in {@code dtype}) starting at element {@code from} into
     * {@code dst[0..count)}, for kernels that work on one chunk at a time. 16-bit values are copied in bulk into
     * {@code scratch} (at least {@code count} long) first, then widened from the array.
     */
    public static void widen(DType dtype, MemorySegment src, long from, short[] scratch, float[] dst, int count) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, FLOAT_LE, from * 4, dst, 0, count);
            case BF16 -> {
                MemorySegment.copy(src, SHORT_LE, from * 2, scratch, 0, count);
                for (int i = 0; i < count; i++) {
                    dst[i] = Float.intBitsToFloat(scratch[i] << 16); // the sign bit lands on top, the rest is zero
                }
            }
            case F16 -> {
                MemorySegment.copy(src, SHORT_LE, from * 2, scratch, 0, count);
                for (int i = 0; i < count; i++) {
                    dst[i] = Float.float16ToFloat(scratch[i]);
                }
            }
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    dst[i] = (float) src.getAtIndex(DOUBLE_LE, from + i);
                }
            }
            default -> throw new IllegalArgumentException("cannot widen " + dtype + " to F32");
        }
    }

    /**
     * Narrows {@code values[0..count)} to {@code dtype}, little-endian, into {@code dst} (at least {@code count} elements of
     * {@code dtype}): the chunked counterpart of {@link #narrowFromF32}, rounding the same way.
     */
    public static void narrow(DType dtype, float[] values, int count, MemorySegment dst) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(values, 0, dst, FLOAT_LE, 0, count);
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.setAtIndex(SHORT_LE, i, floatToBf16(values[i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.setAtIndex(SHORT_LE, i, floatToF16(values[i]));
                }
            }
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    dst.setAtIndex(DOUBLE_LE, i, values[i]);
                }
            }
            default -> throw new IllegalArgumentException("cannot narrow F32 to " + dtype);
        }
    }

    /** Narrows {@code n} little-endian fp32 values in {@code src} to {@code dtype} in {@code dst}. */
    public static void narrowFromF32(DType dtype, MemorySegment src, MemorySegment dst, long n) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, 0, dst, 0, n * 4);
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(SHORT_LE, i, floatToBf16(src.getAtIndex(FLOAT_LE, i)));
                }
            }
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(SHORT_LE, i, floatToF16(src.getAtIndex(FLOAT_LE, i)));
                }
            }
            case F64 -> {
                for (long i = 0; i < n; i++) {
                    dst.setAtIndex(DOUBLE_LE, i, src.getAtIndex(FLOAT_LE, i));
                }
            }
            default -> throw new IllegalArgumentException("cannot narrow F32 to " + dtype);
        }
    }
}
