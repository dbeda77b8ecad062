package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.bytedeco.javacpp.FloatPointer;
import org.esm2j.tensor.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The checks of {@link DeviceBuffer}: element types, ranges of slices, views, matrices and copies, and use after free,
 * each failing with a message that names the buffer. Needs device memory (tag "gpu"), so it runs on the emulated
 * device in the build and on a GPU where there is one.
 */
@Tag("gpu")
class DeviceBufferGpuTest {

    @BeforeAll
    static void requireDevice() {
        assumeTrue(CudaLibrary.deviceUnavailableReason().isEmpty(),
                () -> "no CUDA device: " + CudaLibrary.deviceUnavailableReason().orElse(""));
    }

    @Test
    void slicesAndViewsAddressTheirElementsAndRefuseRangesOutside() {
        try (DeviceBuffer buffer = DeviceBuffer.allocate(DType.F32, 64, "test floats")) {
            DeviceBuffer slice = buffer.slice(10, 20);
            assertEquals(buffer.address() + 40, slice.address());
            assertEquals(20, slice.length());
            assertEquals(DType.F32, slice.dtype());
            assertEquals(0, buffer.slice(64, 0).length(), "an empty slice at the end is in range");

            IndexOutOfBoundsException past = assertThrows(IndexOutOfBoundsException.class, () -> buffer.slice(60, 5));
            assertTrue(past.getMessage().contains("test floats") && past.getMessage().contains("[60, 60 + 5)"),
                    past.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.slice(-1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> slice.slice(15, 6), "a slice's range is its own");

            DeviceBuffer ints = buffer.view(8, DType.I32, 62, "ints");
            assertEquals(buffer.address() + 8, ints.address());
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.view(8, DType.I32, 63, "ints"));
            IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class,
                    () -> buffer.view(4, DType.I64, 2, "offsets"));
            assertTrue(misaligned.getMessage().contains("offsets"), misaligned.getMessage());

            assertEquals(8, buffer.matrix(7, 8).cols());
            assertEquals(18, buffer.matrix(4, 10, 18).rowStride(), "3 strides of 18 and one row of 10 fit in 64");
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.matrix(5, 10, 14));
        }
    }

    @Test
    void wrongElementTypesAreRefusedByName() {
        try (DeviceBuffer bf16 = DeviceBuffer.allocate(DType.BF16, 32, "bf16 weights")) {
            IllegalArgumentException floats = assertThrows(IllegalArgumentException.class, bf16::floats);
            assertTrue(floats.getMessage().contains("bf16 weights") && floats.getMessage().contains("BF16")
                    && floats.getMessage().contains("F32"), floats.getMessage());
            assertThrows(IllegalArgumentException.class, bf16::ints);
            assertThrows(IllegalArgumentException.class, bf16::longs);
            assertEquals(bf16, bf16.require(DType.BF16, 32));
            IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                    () -> bf16.require(DType.BF16, 33));
            assertTrue(tooShort.getMessage().contains("at least 33"), tooShort.getMessage());
        }
    }

    @Test
    void copiesMustFitTheBuffer() {
        try (DeviceBuffer buffer = DeviceBuffer.allocate(DType.F32, 4, "four floats");
                FloatPointer host = new FloatPointer(1f, 2f, 3f, 4f, 5f)) {
            CudaDevice.upload(buffer, host.address(), 16, "four floats");
            IndexOutOfBoundsException tooMany = assertThrows(IndexOutOfBoundsException.class,
                    () -> CudaDevice.upload(buffer, host.address(), 20, "five floats"));
            assertTrue(tooMany.getMessage().contains("five floats"), tooMany.getMessage());
            assertThrows(IndexOutOfBoundsException.class,
                    () -> CudaDevice.download(host.address(), buffer.slice(1, 3), 16, "four floats"));
            try (FloatPointer back = new FloatPointer(3)) {
                CudaDevice.download(back.address(), buffer.slice(1, 3), 12, "three floats");
                float[] values = new float[3];
                back.get(values);
                assertArrayEquals(new float[] {2f, 3f, 4f}, values);
            }
        }
    }

    @Test
    void useAfterFreeFailsForTheBufferAndEveryViewOfIt() {
        DeviceBuffer buffer = DeviceBuffer.allocate(DType.U8, 4096, "scratch block");
        DeviceBuffer view = buffer.view(256, DType.F32, 16, "partial sums");
        IllegalStateException notOwner = assertThrows(IllegalStateException.class, view::close);
        assertTrue(notOwner.getMessage().contains("cannot free"), notOwner.getMessage());
        assertTrue(view.live());

        buffer.close();
        assertFalse(view.live());
        IllegalStateException stale = assertThrows(IllegalStateException.class, view::floats);
        assertTrue(stale.getMessage().contains("partial sums") && stale.getMessage().contains("scratch block")
                && stale.getMessage().contains("freed"), stale.getMessage());
        assertThrows(IllegalStateException.class, buffer::address);
        assertThrows(IllegalStateException.class, () -> buffer.slice(0, 1));
        assertThrows(IllegalStateException.class, () -> view.matrix(4, 4));
        buffer.close(); // a second close frees nothing twice
    }

    @Test
    void aGrownArenaKillsTheViewsOfItsOldBlock() {
        try (DeviceArena arena = new DeviceArena()) {
            DeviceBuffer first = arena.ensure(1000);
            DeviceBuffer residual = first.view(0, DType.F32, 250, "residual stream");
            assertEquals(first, arena.ensure(DeviceArena.MIN_BUCKET_BYTES), "a request that fits keeps the block");
            arena.ensure(DeviceArena.MIN_BUCKET_BYTES + 1);
            IllegalStateException stale = assertThrows(IllegalStateException.class, residual::address);
            assertTrue(stale.getMessage().contains("the activation arena"), stale.getMessage());
        }
    }
}
