package org.esm2j.train;

/**
 * The final representation of a training batch (after {@code emb_layer_norm_after}), packed: sequence b occupies rows
 * {@code offsets[b] .. offsets[b] + lengths[b]} of the (tokens, dim) row-major matrix {@code values}. Heads read it and
 * add d(loss)/d(representation) into {@code gradient} (same shape, zero after the forward pass); the trainer's
 * backward pass starts from there. The arrays hold exactly {@code tokens * dim} values; they are the trainer's own
 * buffers (reused while the token count stays the same), valid until its next forward pass.
 */
public record PackedRepresentation(int tokens, int dim, int[] offsets, int[] lengths, float[] values,
        float[] gradient) {
    public int sequences() {
        return lengths.length;
    }
}
