package org.esm2j.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Hand-built torch.save files for tests: a stored zip around a pickle written opcode by opcode. */
final class TorchFiles {
    private TorchFiles() {
    }

    /** Writes {@code <root>/data.pkl}, {@code <root>/byteorder} and {@code <root>/data/<key>} as stored entries. */
    static Path writeZip(Path file, String root, byte[] pickle, Map<String, byte[]> storages, String byteOrder)
            throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            put(zip, root + "/data.pkl", pickle);
            if (byteOrder != null) {
                put(zip, root + "/byteorder", byteOrder.getBytes(StandardCharsets.US_ASCII));
            }
            for (Map.Entry<String, byte[]> e : storages.entrySet()) {
                put(zip, root + "/data/" + e.getKey(), e.getValue());
            }
        }
        return file;
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static byte[] shorts(short... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) {
            b.putShort(v);
        }
        return b.array();
    }

    static byte[] longs(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /** Pickle opcodes, protocol 2, as torch.save emits them. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle() {
            out.write(0x80);
            out.write(2);
        }

        Pickle op(int opcode) {
            out.write(opcode);
            return this;
        }

        Pickle global(String module, String name) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        Pickle integer(int v) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
            return this;
        }

        Pickle mark() {
            return op('(');
        }

        Pickle tuple() {
            return op('t');
        }

        Pickle ints(long... values) {
            mark();
            for (long v : values) {
                integer((int) v);
            }
            return tuple();
        }

        /** {@code _rebuild_tensor_v2(('storage', torch.<storageClass>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())}. */
        Pickle tensor(String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
            global("torch._utils", "_rebuild_tensor_v2");
            mark();
            mark().str("storage").global("torch", storageClass).str(key).str("cpu").integer((int) numel).tuple();
            op('Q');
            integer((int) offset);
            ints(size);
            ints(stride);
            op(0x89);
            global("collections", "OrderedDict").op(')').op('R');
            tuple();
            return op('R');
        }

        byte[] stop() {
            out.write('.');
            return out.toByteArray();
        }
    }
}
