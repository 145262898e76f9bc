package dev.amalgam.safetensors;

import dev.amalgam.BadInputException;

import java.util.Arrays;
import java.util.Locale;

/** Element types of the safetensors format that Amalgam understands. */
public enum DType {
    F64(8, true), F32(4, true), F16(2, true), BF16(2, true),
    I64(8, false), I32(4, false), I16(2, false), I8(1, false), U8(1, false), BOOL(1, false);

    private final int byteSize;
    private final boolean floating;

    DType(int byteSize, boolean floating) {
        this.byteSize = byteSize;
        this.floating = floating;
    }

    public int byteSize() {
        return byteSize;
    }

    /** Floating types are merged (widened to fp32); the others are passed through untouched. */
    public boolean isFloating() {
        return floating;
    }

    /** The safetensors header spelling ("F32", "BF16", ...). */
    public String headerName() {
        return name();
    }

    public static DType fromHeader(String name, String where) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new BadInputException(where + ": unknown dtype '" + name + "' (expected one of "
                + Arrays.toString(values()) + ")");
    }

    /** Recipe spelling: bfloat16, float16, float32 (and the short forms bf16, fp16, fp32, f32...). */
    public static DType fromRecipe(String name, String where) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bfloat16", "bf16" -> BF16;
            case "float16", "fp16", "f16", "half" -> F16;
            case "float32", "fp32", "f32", "float" -> F32;
            default -> throw new BadInputException(where + ": unknown dtype '" + name
                    + "' (expected bfloat16, float16 or float32)");
        };
    }

    /** The HF config.json `torch_dtype` spelling. */
    public String torchName() {
        return switch (this) {
            case F64 -> "float64";
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case I64 -> "int64";
            case I32 -> "int32";
            case I16 -> "int16";
            case I8 -> "int8";
            case U8 -> "uint8";
            case BOOL -> "bool";
        };
    }
}
