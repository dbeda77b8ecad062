package org.esm2j.tensor;

import java.util.Locale;

/** Element types that appear in checkpoints, with their safetensors names and sizes in bytes. */
public enum DType {
    F64("F64", 8),
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2),
    I64("I64", 8),
    I32("I32", 4),
    I16("I16", 2),
    I8("I8", 1),
    U8("U8", 1),
    BOOL("BOOL", 1);

    private final String safetensorsName;
    private final int byteSize;

    DType(String safetensorsName, int byteSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** Returns the type for a safetensors dtype string, or null when it is not one we read. */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Parses a user-facing name such as {@code fp32}, {@code bf16}, {@code float16}. */
    public static DType parseFloatType(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "fp32": case "f32": case "float32": case "float": return F32;
            case "fp16": case "f16": case "float16": case "half": return F16;
            case "bf16": case "bfloat16": return BF16;
            default:
                throw new IllegalArgumentException("unknown float dtype '" + name + "' (expected fp32, bf16 or fp16)");
        }
    }
}
