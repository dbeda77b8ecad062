package org.esm2j.cuda;

import org.esm2j.data.Alphabet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.model.Esm2Config;
import org.esm2j.tensor.DType;
import org.junit.jupiter.api.Test;

/** What CudaRuntime decides on the host, checked without a device: copy addresses and CUDA-graph keys. */
class CudaRuntimeHostTest {

    @Test
    void elementAddressOffsetsAVoidPointerArgumentByWholeElements() {
        float[] source = {7f, 8f};
        try (FloatPointer dst = new FloatPointer(8); FloatPointer src = new FloatPointer(source)) {
            dst.fill(0);
            // Pointer.memcpy takes void* like cudaMemcpyAsync: the copy must land on elements 3 and 4.
            Pointer.memcpy(CudaRuntime.elementAddress(dst, 3), src, 2L * Float.BYTES);
            float[] out = new float[8];
            dst.get(out);
            assertArrayEquals(new float[] {0, 0, 0, 7, 8, 0, 0, 0}, out);

            // Why position() must not be used for this: JavaCPP adds it to a void* argument in bytes.
            dst.fill(0);
            Pointer.memcpy(dst.position(3), src, 2L * Float.BYTES);
            dst.position(0).get(out);
            assertNotEquals(7f, out[3], "position() offsets a void* argument by elements; elementAddress is moot");
        }
    }

    @Test
    void batchesWhoseBuffersMoveGetDifferentGraphKeys() {
        Esm2Config c = Esm2Config.of(2, 64, 4);
        // Same token count, sequence count and longest sequence, other lengths: other attention-map/contact sizes.
        PackedBatch a = PackedBatch.pack(List.of(sequence(12), sequence(52), sequence(99)), c, true);
        PackedBatch b = PackedBatch.pack(List.of(sequence(32), sequence(32), sequence(99)), c, true);
        assertEquals(a.totalTokens(), b.totalTokens());
        assertEquals(a.maxSeqlen(), b.maxSeqlen());
        ActivationLayout layoutA = layout(c, a);
        ActivationLayout layoutB = layout(c, b);
        assertNotEquals(layoutA.contacts(), layoutB.contacts(), "the contact logits sit elsewhere");
        assertNotEquals(key(a, layoutA), key(b, layoutB), "a graph of A must not be replayed for B");

        PackedBatch sameShape = PackedBatch.pack(List.of(sequence(12), sequence(52), sequence(99)), c, true);
        assertEquals(key(a, layoutA), key(sameShape, layout(c, sameShape)), "equal lengths share a graph");
    }

    private static ActivationLayout layout(Esm2Config c, PackedBatch batch) {
        return ActivationLayout.of(c, DType.BF16, batch.totalTokens(), batch.numSeqs(), batch.probsPerLayer(), 40,
                batch.contactCount());
    }

    private static CudaRuntime.LaunchShape key(PackedBatch batch, ActivationLayout layout) {
        return new CudaRuntime.LaunchShape(layout, batch.totalTokens(), batch.numSeqs(), batch.maxSeqlen(), true,
                false, true);
    }

    /** {@code <cls>}, residues, {@code <eos>}: {@code length} tokens in all. */
    private static int[] sequence(int length) {
        int[] t = new int[length];
        for (int i = 1; i < length - 1; i++) {
            t[i] = 4 + i % 20;
        }
        t[length - 1] = Alphabet.EOS;
        return t;
    }
}
