package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.esm2j.model.Esm2Config;
import org.esm2j.tensor.DType;
import org.junit.jupiter.api.Test;

/** Arena bucket sizes and the activation layout inside the arena, checked without a device. */
class DeviceMemoryPlanTest {

    @Test
    void bucketsCoverTheRequestWithAtMostAQuarterSpare() {
        assertEquals(DeviceArena.MIN_BUCKET_BYTES, DeviceArena.bucketBytes(1));
        long previous = 0;
        for (long required = 1 << 20; required < (1L << 40); required = required * 3 / 2 + 12345) {
            long bucket = DeviceArena.bucketBytes(required);
            assertTrue(bucket >= required, "bucket " + bucket + " < " + required);
            assertTrue(bucket <= required + required / 4, "bucket " + bucket + " wastes more than 25% of " + required);
            assertTrue(bucket >= previous, "buckets must not shrink as requests grow");
            previous = bucket;
        }
        // Batches of nearly the same size share a bucket, so the arena is reused instead of reallocated.
        assertEquals(DeviceArena.bucketBytes(600_000_000L), DeviceArena.bucketBytes(600_000_000L - 4096));
    }

    @Test
    void layoutPlacesAlignedNonOverlappingBuffersOfTheRightSize() {
        Esm2Config c = Esm2Config.of(33, 1280, 20); // 650M shape: D 1280, FFN 5120
        long n = 1000;
        long seqs = 3;
        ActivationLayout at = ActivationLayout.of(c, DType.BF16, n, seqs, 0, 40, 0);
        ActivationLayout.Region[] regions = {at.tokens(), at.cuSeqlens(), at.probsOffsets(), at.seqDivisors(),
            at.residual(), at.normed(), at.qkv(), at.q(), at.k(), at.v(), at.attnOut(), at.hidden(), at.logits(),
            at.probs(), at.contactOffsets(), at.contactRowSums(), at.contacts()};
        long[] starts = new long[regions.length + 1];
        for (int i = 0; i < regions.length; i++) {
            starts[i] = regions[i].offset();
        }
        starts[regions.length] = at.totalBytes();
        long[] sizes = {n * 4, (seqs + 1) * 4, seqs * 8, seqs * 4, n * 1280 * 4, n * 1280 * 2, n * 3840 * 2,
            n * 1280 * 2, n * 1280 * 2, n * 1280 * 2, n * 1280 * 2, n * 5120 * 2, n * 40 * 4, 0, 0, 0, 0};
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(0, starts[i] % ActivationLayout.ALIGNMENT, "buffer " + i + " is not aligned");
            assertEquals(sizes[i], regions[i].bytes(), "size of buffer " + i);
            assertEquals(ActivationLayout.align(sizes[i]), starts[i + 1] - starts[i], "room of buffer " + i);
        }
        ActivationLayout withProbs = ActivationLayout.of(c, DType.BF16, n, seqs, 123_456, 40, 0);
        assertEquals(ActivationLayout.align(123_456L * 4), withProbs.totalBytes() - withProbs.probs().offset());
    }

    @Test
    void contactsBringTheirOffsetsRowSumsAndLogitsAfterTheProbabilities() {
        Esm2Config c = Esm2Config.of(33, 1280, 20);
        long n = 1000;
        long seqs = 3;
        long contacts = 500L * 500 + 300L * 300 + 194L * 194; // T = 502, 302, 196
        ActivationLayout at = ActivationLayout.of(c, DType.BF16, n, seqs, 20 * n * n, 40, contacts);
        assertEquals(ActivationLayout.align(20 * n * n * 4), at.contactOffsets().offset() - at.probs().offset());
        assertEquals(ActivationLayout.align(seqs * 8), at.contactRowSums().offset() - at.contactOffsets().offset());
        assertEquals(ActivationLayout.align(20 * n * 4), at.contacts().offset() - at.contactRowSums().offset());
        assertEquals(ActivationLayout.align(contacts * 4), at.totalBytes() - at.contacts().offset());
        for (ActivationLayout.Region region : new ActivationLayout.Region[] {at.contactOffsets(), at.contactRowSums(),
            at.contacts()}) {
            assertEquals(0, region.offset() % ActivationLayout.ALIGNMENT);
        }
        // Without contacts the contact buffers take no bytes: the plan ends where the logits end.
        ActivationLayout without = ActivationLayout.of(c, DType.BF16, n, seqs, 20 * n * n, 40, 0);
        assertEquals(at.contactOffsets().offset(), without.totalBytes());
    }
}
