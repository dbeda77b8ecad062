package org.esm2j.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.esm2j.InvalidInputException;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;

/**
 * NumPy's {@code .npy} and {@code .npz} formats. An {@code .npy} file is the magic {@code \x93NUMPY}, a version, a
 * little-endian header length and an ASCII Python-dict header ({@code descr}, {@code fortran_order}, {@code shape})
 * padded so the data starts on a 64-byte boundary, then the raw C-order array. An {@code .npz} file is a zip of
 * {@code .npy} members; ours are STORED (uncompressed), so {@code np.load(..., mmap_mode=...)}-style readers and plain
 * zip tools can get at the bytes directly.
 *
 * <p>Written: version 1.0 headers (2.0 only when a header would exceed 65535 bytes, which needs a rank in the
 * thousands). Read back: versions 1.0 to 3.0, little-endian, C order, for the dtypes in {@link #descr}.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy aligns the data to 64 bytes since 1.x; older readers accept any multiple of 16. */
    private static final int ALIGNMENT = 64;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** The numpy dtype string of a tensor element type; bfloat16 has none and is refused. */
    public static String descr(DType dtype) {
        switch (dtype) {
            case F64: return "<f8";
            case F32: return "<f4";
            case F16: return "<f2";
            case I64: return "<i8";
            case I32: return "<i4";
            case I16: return "<i2";
            case I8: return "|i1";
            case U8: return "|u1";
            case BOOL: return "|b1";
            default:
                throw new IllegalArgumentException("numpy has no " + dtype + " dtype; convert the tensor to F32 first");
        }
    }

    private static DType dtypeOf(String descr) {
        for (DType t : DType.values()) {
            if (t != DType.BF16 && descr(t).equals(descr)) {
                return t;
            }
        }
        throw new InvalidInputException("unsupported .npy dtype '" + descr + "' (little-endian numeric types only)");
    }

    /** The complete preamble (magic, version, length, padded dict) that precedes the data of an array. */
    public static byte[] header(DType dtype, long[] shape) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        if (shape.length > 1) {
            dims.setLength(dims.length() - 2); // (3, 4) but (3,) for one dimension
        } else if (shape.length == 1) {
            dims.setLength(dims.length() - 1);
        }
        String dict = "{'descr': '" + descr(dtype) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        byte[] text = dict.getBytes(StandardCharsets.US_ASCII);
        boolean v1 = text.length + 1 + ALIGNMENT <= 0xffff; // the padded dict must fit the 2-byte length
        int prefix = MAGIC.length + 2 + (v1 ? 2 : 4);
        int total = (prefix + text.length + 1 + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) {
            b.putShort((short) (total - prefix));
        } else {
            b.putInt(total - prefix);
        }
        b.put(text);
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    /** Writes one array as {@code .npy} to {@code out} (not closed). */
    public static void write(OutputStream out, Tensor tensor) throws IOException {
        out.write(header(tensor.dtype(), tensor.shape()));
        writeBytes(out, tensor.bytes());
    }

    /** Writes one array atomically to a {@code .npy} file. */
    public static void write(Path file, Tensor tensor) throws IOException {
        AtomicFiles.write(file, out -> write(out, tensor));
    }

    private static void writeBytes(OutputStream out, ByteBuffer data) throws IOException {
        byte[] chunk = new byte[1 << 16];
        while (data.hasRemaining()) {
            int n = Math.min(chunk.length, data.remaining());
            data.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    /** Parses one {@code .npy} image (the whole file's bytes). */
    public static Tensor read(ByteBuffer npy, String source) {
        ByteBuffer b = npy.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        if (b.remaining() < MAGIC.length + 4) {
            throw new InvalidInputException(source + ": too short for a .npy array");
        }
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new InvalidInputException(source + ": not a .npy array (bad magic)");
        }
        int major = b.get();
        b.get(); // minor version: no format differences we depend on
        long headerLength = major == 1 ? Short.toUnsignedInt(b.getShort()) : Integer.toUnsignedLong(b.getInt());
        if (major < 1 || major > 3 || headerLength > b.remaining()) {
            throw new InvalidInputException(source + ": unsupported .npy version " + major + " or truncated header");
        }
        byte[] text = new byte[(int) headerLength];
        b.get(text);
        String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        DType dtype = dtypeOf(field(DESCR, dict, "descr", source));
        if (field(FORTRAN, dict, "fortran_order", source).equals("True")) {
            throw new InvalidInputException(source + ": Fortran-ordered arrays are not supported");
        }
        long[] shape = parseShape(field(SHAPE, dict, "shape", source), source);
        long bytes = Tensor.numel(shape) * dtype.byteSize();
        if (bytes != b.remaining()) {
            throw new InvalidInputException(source + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + bytes + " data bytes, found " + b.remaining());
        }
        return new Tensor(dtype, shape, b.slice());
    }

    private static String field(Pattern p, String dict, String name, String source) {
        Matcher m = p.matcher(dict);
        if (!m.find()) {
            throw new InvalidInputException(source + ": .npy header lacks '" + name + "': " + dict.trim());
        }
        return m.group(1);
    }

    private static long[] parseShape(String dims, String source) {
        List<Long> out = new ArrayList<>();
        for (String d : dims.split(",")) {
            String t = d.trim();
            if (t.isEmpty()) {
                continue;
            }
            try {
                out.add(Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t));
            } catch (NumberFormatException e) {
                throw new InvalidInputException(source + ": bad .npy shape (" + dims + ")");
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Every {@code .npy} member of an {@code .npz} file by name ({@code .npy} removed), in archive order. */
    public static Map<String, Tensor> readNpz(Path file) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().endsWith(".npy")) {
                    String name = e.getName().substring(0, e.getName().length() - 4);
                    out.put(name, read(ByteBuffer.wrap(zip.readAllBytes()), file + ":" + e.getName()));
                }
            }
        }
        return out;
    }

    /** The raw bytes of one member of a zip archive (e.g. a {@code .json} entry beside the arrays), or null. */
    public static byte[] readNpzEntry(Path file, String entryName) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals(entryName)) {
                    return zip.readAllBytes();
                }
            }
        }
        return null;
    }

    /**
     * Streams arrays into an {@code .npz} archive one at a time, so only the array being added is in memory. Entries
     * are STORED with their CRC computed up front (the zip format needs sizes and CRC before STORED data). Closing
     * writes the central directory and closes the underlying stream.
     */
    public static final class NpzWriter implements Closeable {
        private static final LocalDateTime ZIP_EPOCH = LocalDateTime.of(1980, 1, 1, 0, 0);
        private final ZipOutputStream zip;

        public NpzWriter(OutputStream out) {
            this.zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
            this.zip.setMethod(ZipOutputStream.STORED);
        }

        /** Adds {@code name.npy}; numpy lists it as {@code name}. */
        public void add(String name, Tensor tensor) throws IOException {
            byte[] header = header(tensor.dtype(), tensor.shape());
            CRC32 crc = new CRC32();
            crc.update(header);
            crc.update(tensor.bytes());
            ZipEntry entry = stored(name + ".npy", header.length + tensor.byteSize(), crc.getValue());
            zip.putNextEntry(entry);
            zip.write(header);
            writeBytes(zip, tensor.bytes());
            zip.closeEntry();
        }

        /** Adds a member that is not an array (numpy's {@code NpzFile} returns such members as raw bytes). */
        public void addFile(String entryName, byte[] content) throws IOException {
            CRC32 crc = new CRC32();
            crc.update(content);
            zip.putNextEntry(stored(entryName, content.length, crc.getValue()));
            zip.write(content);
            zip.closeEntry();
        }

        private static ZipEntry stored(String name, long size, long crc) {
            ZipEntry entry = new ZipEntry(name);
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(size);
            entry.setCompressedSize(size);
            entry.setCrc(crc);
            // A fixed time (the zip epoch) instead of now: the same arrays give the same bytes, run after run.
            entry.setTimeLocal(ZIP_EPOCH);
            return entry;
        }

        @Override
        public void close() throws IOException {
            zip.close();
        }
    }
}
