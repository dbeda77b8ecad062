package org.esm2j.train;

import java.util.Arrays;

/**
 * One named tensor inside a {@link ParameterLayout}: its fair-esm name (e.g. {@code layers.0.self_attn.q_proj.weight}),
 * its shape, where it starts in the flat buffers and whether the optimizer updates it.
 *
 * @param name canonical fair-esm name, or a head/adapter name such as {@code head.weight} or
 *     {@code layers.0.self_attn.q_proj.lora_A}
 * @param shape row-major shape
 * @param offset first element in the flat parameter, gradient and optimizer-state buffers
 * @param trainable false for frozen tensors: they get no gradient, no decay and no optimizer state update
 */
public record ParameterEntry(String name, long[] shape, int offset, boolean trainable) {
    public ParameterEntry {
        shape = shape.clone();
        if (offset < 0) {
            throw new IllegalArgumentException("offset of '" + name + "' is negative: " + offset);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public int length() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return Math.toIntExact(n);
    }

    /** One past the last element. */
    public int end() {
        return offset + length();
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "@" + offset + (trainable ? "" : " (frozen)");
    }
}
