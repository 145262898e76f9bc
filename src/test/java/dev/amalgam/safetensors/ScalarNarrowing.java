package dev.amalgam.safetensors;

import java.math.BigDecimal;

/**
 * Independent reference for narrowing: the representable value nearest to x (ties to the even
 * mantissa), found by exact decimal arithmetic over the two neighbours instead of bit tricks.
 */
final class ScalarNarrowing {
    private ScalarNarrowing() {
    }

    static float roundTrip(DType dtype, float x) {
        return switch (dtype) {
            case F32 -> x;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(x)); // JDK's IEEE conversion is the reference
            case BF16 -> bf16Nearest(x);
            default -> throw new IllegalArgumentException(dtype.toString());
        };
    }

    private static float bf16Nearest(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0f) {
            return x;
        }
        int bits = Float.floatToRawIntBits(x);
        float down = Float.intBitsToFloat(bits & 0xFFFF0000);           // truncated toward zero
        float up = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);  // next bf16 away from zero
        BigDecimal dx = new BigDecimal(x);
        // Past the largest bf16 the next step is 2^128 (with x's sign), which rounds to infinity
        BigDecimal upValue = Float.isInfinite(up) ? new BigDecimal(2).pow(128).multiply(BigDecimal.valueOf(Math.signum(x))) : new BigDecimal(up);
        int cmp = dx.subtract(new BigDecimal(down)).abs().compareTo(upValue.subtract(dx).abs());
        if (cmp < 0) {
            return down;
        }
        if (cmp > 0) {
            return up;
        }
        return ((bits >>> 16) & 1) == 0 ? down : up;
    }
}
