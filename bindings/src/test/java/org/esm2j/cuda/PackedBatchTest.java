package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.model.Esm2Config;
import org.junit.jupiter.api.Test;

/** The packed layout the kernels receive: token stream, cu_seqlens, attention-map offsets, and input checks. */
class PackedBatchTest {
    private static final Esm2Config CONFIG = Esm2Config.of(2, 64, 4); // 4 heads

    @Test
    void packsSequencesBackToBackWithCumulativeOffsets() {
        PackedBatch batch = PackedBatch.pack(List.of(new int[] {0, 5, 2}, new int[] {0, 6, 7, 8, 2}, new int[] {0, 2}),
                CONFIG, true);
        assertEquals(3, batch.numSeqs());
        assertEquals(10, batch.totalTokens());
        assertEquals(5, batch.maxSeqlen());
        assertArrayEquals(new int[] {0, 3, 8, 10}, batch.cuSeqlens());
        assertArrayEquals(new int[] {0, 5, 2, 0, 6, 7, 8, 2, 0, 2}, batch.tokens());
        assertArrayEquals(new int[] {3, 5, 2}, batch.lengths());
        // Per layer, sequence s's (H, T, T) block follows the blocks of the sequences before it: 4*9, 4*25, 4*4.
        assertArrayEquals(new long[] {0, 36, 136}, batch.probsOffsets());
        assertEquals(152, batch.probsPerLayer());
        // Contact blocks of (T-2)^2 residue pairs: 1, 9, 0 (<cls><eos> has no residues).
        assertArrayEquals(new long[] {0, 1, 10}, batch.contactOffsets());
        assertEquals(10, batch.contactCount());
    }

    @Test
    void splitContactsReturnsEachSequencesResidueBlock() {
        PackedBatch batch = PackedBatch.pack(List.of(new int[] {0, 5, 6, 2}, new int[] {0, 2}, new int[] {0, 7, 2}),
                CONFIG, true);
        float[][] split = batch.splitContacts(new float[] {1, 2, 3, 4, 5});
        assertArrayEquals(new float[] {1, 2, 3, 4}, split[0]);
        assertArrayEquals(new float[0], split[1]);
        assertArrayEquals(new float[] {5}, split[2]);
    }

    @Test
    void splitReturnsEachSequencesRowsWithoutRowPadding() {
        PackedBatch batch = PackedBatch.pack(List.of(new int[] {0, 2}, new int[] {0, 5, 2}), CONFIG, false);
        float[] packed = new float[5 * 4]; // 5 tokens, row stride 4, 3 real columns
        for (int i = 0; i < packed.length; i++) {
            packed[i] = i;
        }
        float[][] split = batch.split(packed, 4, 3);
        assertArrayEquals(new float[] {0, 1, 2, 4, 5, 6}, split[0]);
        assertArrayEquals(new float[] {8, 9, 10, 12, 13, 14, 16, 17, 18}, split[1]);
    }

    @Test
    void rejectsPaddingUnknownIdsAndEmptyInputNamingThePlace() {
        InvalidInputException pad = assertThrows(InvalidInputException.class,
                () -> PackedBatch.pack(List.of(new int[] {0, 5, 2}, new int[] {0, 1, 2}), CONFIG, false));
        assertTrue(pad.getMessage().contains("sequence 1 position 1"), pad.getMessage());
        IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class,
                () -> PackedBatch.pack(List.<int[]>of(new int[] {0, 33, 2}), CONFIG, false));
        assertTrue(vocab.getMessage().contains("token id 33"), vocab.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PackedBatch.pack(List.<int[]>of(new int[0]), CONFIG, false));
        assertThrows(IllegalArgumentException.class, () -> PackedBatch.pack(List.of(), CONFIG, false));
        IllegalArgumentException contacts = assertThrows(IllegalArgumentException.class,
                () -> PackedBatch.pack(List.<int[]>of(new int[] {0}), CONFIG, true));
        assertTrue(contacts.getMessage().contains("contacts"), contacts.getMessage());
    }
}
