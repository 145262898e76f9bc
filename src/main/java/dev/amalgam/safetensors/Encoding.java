package dev.amalgam.safetensors;

/**
 * How a merged fp32 value is stored where it goes: rounded to what a file of {@code rounded} would hold (round to nearest
 * even), then kept in {@code stored}'s format. {@code amalgam merge} writes its planned dtype ({@code rounded == stored});
 * a search rounds to the planned dtype and keeps the scoring model's resident type (bf16 values in fp32 on the CPU).
 */
public record Encoding(DType rounded, DType stored) {
    public Encoding {
        if (!rounded.isFloating() || !stored.isFloating()) {
            throw new IllegalArgumentException("an encoding of floats needs float types, not " + rounded + " stored as " + stored);
        }
    }

    /** Values written as {@code dtype}, as a file of it holds them. */
    public static Encoding of(DType dtype) {
        return new Encoding(dtype, dtype);
    }
}
