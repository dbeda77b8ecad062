package org.esm2j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.esm2j.InvalidInputException;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path dir;

    private static byte[] npy(Tensor t) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, t);
        return out.toByteArray();
    }

    private static String headerText(byte[] file) {
        int len = (file[8] & 0xff) | (file[9] & 0xff) << 8;
        return new String(file, 10, len, StandardCharsets.US_ASCII);
    }

    @Test
    void headerIsVersionOneAlignedAndSpellsDtypeAndShape() throws IOException {
        byte[] file = npy(Tensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        assertEquals((byte) 0x93, file[0]);
        assertEquals("NUMPY", new String(file, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, file[6]);
        assertEquals(0, file[7]);
        String header = headerText(file);
        assertEquals(0, (10 + header.length()) % 64, "data must start on a 64-byte boundary");
        assertTrue(header.endsWith("\n"));
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", header.trim());
        assertEquals(10 + header.length() + 6 * 4, file.length);
        // first element, little-endian float32 1.0f = 0x3f800000
        int data = 10 + header.length();
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f}, java.util.Arrays.copyOfRange(file, data, data + 4));
    }

    @Test
    void oneDimensionalAndScalarShapesUsePythonTupleSyntax() throws IOException {
        assertTrue(headerText(npy(Tensor.ofInts(new int[] {7, 8, 9}, 3))).contains("'descr': '<i4'"));
        assertTrue(headerText(npy(Tensor.ofInts(new int[] {7, 8, 9}, 3))).contains("'shape': (3,)"));
        assertTrue(headerText(npy(Tensor.ofLongs(new long[] {42}))).contains("'shape': ()"));
        assertTrue(headerText(npy(Tensor.ofLongs(new long[] {42}))).contains("'descr': '<i8'"));
    }

    @Test
    void roundTripsFloatsIntsAndLongs() throws IOException {
        float[] f = {0f, -1.5f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, 3.25f};
        Tensor back = Npy.read(ByteBuffer.wrap(npy(Tensor.ofFloats(f, 3, 2))), "f");
        assertEquals(DType.F32, back.dtype());
        assertArrayEquals(new long[] {3, 2}, back.shape());
        assertArrayEquals(f, back.toFloatArray());

        int[] i = {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE};
        Tensor ib = Npy.read(ByteBuffer.wrap(npy(Tensor.ofInts(i, 5))), "i");
        assertEquals(DType.I32, ib.dtype());
        assertArrayEquals(i, ib.toIntArray());

        long[] l = {Long.MIN_VALUE, 0, Long.MAX_VALUE, 5};
        Tensor lb = Npy.read(ByteBuffer.wrap(npy(Tensor.ofLongs(l, 2, 1, 2))), "l");
        assertEquals(DType.I64, lb.dtype());
        assertArrayEquals(new long[] {2, 1, 2}, lb.shape());
        assertArrayEquals(l, lb.toLongArray());
    }

    @Test
    void emptyArraysKeepTheirShape() throws IOException {
        Tensor back = Npy.read(ByteBuffer.wrap(npy(Tensor.ofFloats(new float[0], 0, 64))), "empty");
        assertArrayEquals(new long[] {0, 64}, back.shape());
    }

    @Test
    void bfloat16IsRefusedWithAClearMessage() {
        Tensor bf = Tensor.ofFloats(new float[] {1, 2}, 2).convertTo(DType.BF16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> npy(bf));
        assertTrue(e.getMessage().contains("BF16"), e.getMessage());
    }

    @Test
    void truncatedOrForeignDataIsRejected() throws IOException {
        byte[] file = npy(Tensor.ofFloats(new float[] {1, 2, 3}, 3));
        ByteBuffer shortened = ByteBuffer.wrap(file, 0, file.length - 4);
        assertThrows(InvalidInputException.class, () -> Npy.read(shortened, "short"));
        byte[] foreign = "PK\3\4 not numpy at all".getBytes(StandardCharsets.US_ASCII);
        assertThrows(InvalidInputException.class, () -> Npy.read(ByteBuffer.wrap(foreign), "foreign"));
    }

    @Test
    void npzStoresUncompressedMembersAndReadsBack() throws IOException {
        Path file = dir.resolve("out.npz");
        float[] a = {1, 2, 3, 4};
        AtomicFiles.write(file, out -> {
            try (Npy.NpzWriter npz = new Npy.NpzWriter(out)) {
                npz.add("seq/one/repr/2", Tensor.ofFloats(a, 2, 2));
                npz.add("tokens", Tensor.ofInts(new int[] {0, 5, 2}, 3));
                npz.addFile("__metadata__.json", "{\"k\":\"v\"}".getBytes(StandardCharsets.UTF_8));
            }
        });
        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<String> names = new ArrayList<>();
            zip.stream().forEach(e -> {
                names.add(e.getName());
                assertEquals(ZipEntry.STORED, e.getMethod(), e.getName());
                // a fixed time, so the same arrays give the same bytes whenever they are written
                assertEquals(LocalDateTime.of(1980, 1, 1, 0, 0), e.getTimeLocal(), e.getName());
            });
            assertEquals(List.of("seq/one/repr/2.npy", "tokens.npy", "__metadata__.json"), names);
        }
        Map<String, Tensor> back = Npy.readNpz(file);
        assertEquals(List.of("seq/one/repr/2", "tokens"), new ArrayList<>(back.keySet()));
        assertArrayEquals(a, back.get("seq/one/repr/2").toFloatArray());
        assertArrayEquals(new int[] {0, 5, 2}, back.get("tokens").toIntArray());
        assertEquals("{\"k\":\"v\"}", new String(Npy.readNpzEntry(file, "__metadata__.json"), StandardCharsets.UTF_8));
    }

    /** Optional: numpy itself reads what we write (skipped where python3 with numpy is absent). */
    @Test
    void numpyReadsOurNpyAndNpz() throws Exception {
        Assumptions.assumeTrue(pythonWithNumpy(), "python3 with numpy not available");
        Path npyFile = dir.resolve("a.npy");
        Npy.write(npyFile, Tensor.ofFloats(new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, 3, 2));
        Path npzFile = dir.resolve("b.npz");
        AtomicFiles.write(npzFile, out -> {
            try (Npy.NpzWriter npz = new Npy.NpzWriter(out)) {
                npz.add("x/repr/1", Tensor.ofLongs(new long[] {1, 2, 3}, 3));
                npz.add("y", Tensor.ofInts(new int[] {9}));
                npz.addFile("__metadata__.json", "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8));
            }
        });
        String script = "import numpy as np, json, sys\n"
                + "a = np.load(sys.argv[1])\n"
                + "assert a.dtype == np.float32 and a.shape == (3, 2) and a[0, 0] == 1.5 and a[2, 1] == 6, a\n"
                + "z = np.load(sys.argv[2])\n"
                + "x = z['x/repr/1']\n"
                + "assert x.dtype == np.int64 and list(x) == [1, 2, 3], x\n"
                + "assert z['y'].dtype == np.int32 and z['y'].shape == () and int(z['y']) == 9\n"
                + "assert json.loads(z['__metadata__.json'])['model'] == 'm'\n"
                + "print('numpy ok')\n";
        Process p = new ProcessBuilder("python3", "-c", script, npyFile.toString(), npzFile.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("numpy ok"), output);
    }

    private static boolean pythonWithNumpy() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            p.getInputStream().transferTo(OutputStream.nullOutputStream());
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void writingToAFileIsAtomicAndLeavesNoTemporaries() throws IOException {
        Path file = dir.resolve("x.npy");
        Npy.write(file, Tensor.ofFloats(new float[] {1}, 1));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
        // The output gets the mode of any new file here (umask), not a temp file's owner-only 0600.
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path plain = Files.createFile(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
    }
}
