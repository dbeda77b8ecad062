package org.esm2j.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.esm2j.CheckpointException;

/**
 * The zip container of {@code torch.save} ({@code <root>/data.pkl}, {@code <root>/data/<key>}, {@code <root>/byteorder}),
 * read from the central directory with zip64 support. torch writes entries uncompressed, so large ones are
 * memory-mapped, never copied: a 15B checkpoint is 30 GB. Compressed entries (a re-zipped file) are inflated into memory. Every
 * offset and size read from the file is checked against the file size before it is used.
 */
final class TorchZipArchive implements AutoCloseable {
    private static final int LOCAL_HEADER_SIG = 0x04034b50;
    private static final int CENTRAL_HEADER_SIG = 0x02014b50;
    private static final int END_SIG = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_END_SIG = 0x06064b50;
    private static final int END_RECORD_SIZE = 22;
    private static final int CENTRAL_HEADER_SIZE = 46;
    private static final int LOCAL_HEADER_SIZE = 30;
    private static final long UINT32_MAX = 0xffffffffL;
    /** Deflate cannot expand data more than about 1032:1; a larger claim is a corrupt header. */
    private static final long MAX_DEFLATE_RATIO = 1100;
    private static final long MAX_CENTRAL_DIRECTORY_BYTES = 256L << 20;
    /** Smaller stored entries are read into the heap: a mapping per small tensor would waste address space. */
    private static final long MIN_MAPPED_BYTES = 1 << 20;
    private static final int STORED = 0;
    private static final int DEFLATED = 8;

    private record Entry(String name, int method, long compressedSize, long size, long localHeaderOffset) {
    }

    private final FileChannel channel;
    private final String source;
    private final long fileSize;
    private final Map<String, Entry> entries;

    private TorchZipArchive(FileChannel channel, String source, long fileSize, Map<String, Entry> entries) {
        this.channel = channel;
        this.source = source;
        this.fileSize = fileSize;
        this.entries = entries;
    }

    static TorchZipArchive open(Path file) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            long size = ch.size();
            checkMagic(ch, size, file.getFileName().toString());
            TorchZipArchive archive = new TorchZipArchive(ch, file.getFileName().toString(), size,
                    readCentralDirectory(ch, size));
            ch = null;
            return archive;
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the open failed already; that error is the one to report
                }
            }
        }
    }

    private static void checkMagic(FileChannel ch, long size, String source) throws IOException {
        if (size < 4) {
            throw new CheckpointException("too short for a torch checkpoint (" + size + " bytes)");
        }
        ByteBuffer head = read(ch, 0, 4);
        if ((head.get(0) & 0xff) == 0x80) {
            throw new CheckpointException("legacy torch serialization format is not supported; re-save with "
                    + "torch.save(..., _use_new_zipfile_serialization=True)");
        }
        if (head.getInt(0) != LOCAL_HEADER_SIG) {
            throw new CheckpointException(String.format("not a torch zip checkpoint (starts with %02x %02x %02x %02x,"
                    + " expected the zip magic 50 4b 03 04)", head.get(0), head.get(1), head.get(2), head.get(3)));
        }
    }

    private static Map<String, Entry> readCentralDirectory(FileChannel ch, long size) throws IOException {
        if (size < END_RECORD_SIZE) {
            throw new CheckpointException("truncated zip: no end-of-central-directory record");
        }
        int tailLen = (int) Math.min(size, END_RECORD_SIZE + 0xffff);
        ByteBuffer tail = read(ch, size - tailLen, tailLen);
        int end = -1;
        for (int i = tailLen - END_RECORD_SIZE; i >= 0; i--) {
            if (tail.getInt(i) == END_SIG && i + END_RECORD_SIZE + (tail.getShort(i + 20) & 0xffff) == tailLen) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            throw new CheckpointException("truncated or corrupt zip: no end-of-central-directory record");
        }
        long count = tail.getShort(end + 10) & 0xffff;
        long cdSize = tail.getInt(end + 12) & UINT32_MAX;
        long cdOffset = tail.getInt(end + 16) & UINT32_MAX;
        if (count == 0xffff || cdSize == UINT32_MAX || cdOffset == UINT32_MAX) {
            long endPos = size - tailLen + end;
            if (endPos < 20) {
                throw new CheckpointException("corrupt zip64: no locator before the end record");
            }
            ByteBuffer locator = read(ch, endPos - 20, 20);
            if (locator.getInt(0) != ZIP64_LOCATOR_SIG) {
                throw new CheckpointException("corrupt zip64: missing end-of-central-directory locator");
            }
            long zip64End = locator.getLong(8);
            if (zip64End < 0 || zip64End > endPos - 20 - 56) {
                throw new CheckpointException("corrupt zip64: end record offset " + zip64End + " out of range");
            }
            ByteBuffer rec = read(ch, zip64End, 56);
            if (rec.getInt(0) != ZIP64_END_SIG) {
                throw new CheckpointException("corrupt zip64: bad end record signature");
            }
            count = rec.getLong(32);
            cdSize = rec.getLong(40);
            cdOffset = rec.getLong(48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdSize > MAX_CENTRAL_DIRECTORY_BYTES || cdOffset > size - cdSize
                || count < 0 || count > cdSize / CENTRAL_HEADER_SIZE) {
            throw new CheckpointException("corrupt zip: central directory (" + count + " entries, " + cdSize
                    + " bytes at " + cdOffset + ") does not fit the file of " + size + " bytes");
        }
        ByteBuffer cd = read(ch, cdOffset, (int) cdSize);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p > cdSize - CENTRAL_HEADER_SIZE || cd.getInt(p) != CENTRAL_HEADER_SIG) {
                throw new CheckpointException("corrupt zip: bad central directory entry " + i);
            }
            int method = cd.getShort(p + 10) & 0xffff;
            long compressed = cd.getInt(p + 20) & UINT32_MAX;
            long uncompressed = cd.getInt(p + 24) & UINT32_MAX;
            int nameLen = cd.getShort(p + 28) & 0xffff;
            int extraLen = cd.getShort(p + 30) & 0xffff;
            int commentLen = cd.getShort(p + 32) & 0xffff;
            long localOffset = cd.getInt(p + 42) & UINT32_MAX;
            long next = (long) p + CENTRAL_HEADER_SIZE + nameLen + extraLen + commentLen;
            if (next > cdSize) {
                throw new CheckpointException("corrupt zip: central directory entry " + i + " overruns the directory");
            }
            byte[] nameBytes = new byte[nameLen];
            cd.get(p + CENTRAL_HEADER_SIZE, nameBytes);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            // zip64 extra field (id 1): 8-byte values for exactly those fields that are 0xffffffff above, in order
            int x = p + CENTRAL_HEADER_SIZE + nameLen;
            int extraEnd = x + extraLen;
            while (x + 4 <= extraEnd) {
                int id = cd.getShort(x) & 0xffff;
                int len = cd.getShort(x + 2) & 0xffff;
                int q = x + 4;
                if (q + len > extraEnd) {
                    throw new CheckpointException("corrupt zip: extra field of entry '" + name + "' overruns");
                }
                if (id == 1) {
                    if (uncompressed == UINT32_MAX && q + 8 <= x + 4 + len) {
                        uncompressed = cd.getLong(q);
                        q += 8;
                    }
                    if (compressed == UINT32_MAX && q + 8 <= x + 4 + len) {
                        compressed = cd.getLong(q);
                        q += 8;
                    }
                    if (localOffset == UINT32_MAX && q + 8 <= x + 4 + len) {
                        localOffset = cd.getLong(q);
                    }
                }
                x += 4 + len;
            }
            if (compressed < 0 || uncompressed < 0 || localOffset < 0 || localOffset > size - LOCAL_HEADER_SIZE
                    || compressed > size) {
                throw new CheckpointException("corrupt zip: entry '" + name + "' has sizes or offset outside the file");
            }
            entries.put(name, new Entry(name, method, compressed, uncompressed, localOffset));
            p = (int) next;
        }
        return entries;
    }

    /** Names of all entries, in directory order. */
    Iterable<String> names() {
        return entries.keySet();
    }

    boolean contains(String name) {
        return entries.containsKey(name);
    }

    long size(String name) {
        return entry(name).size();
    }

    /** The entry's bytes (little-endian order set): mapped when stored, inflated into memory when deflated. */
    ByteBuffer read(String name) {
        Entry e = entry(name);
        try {
            ByteBuffer local = read(channel, e.localHeaderOffset(), LOCAL_HEADER_SIZE);
            if (local.getInt(0) != LOCAL_HEADER_SIG) {
                throw new CheckpointException("corrupt zip: bad local header for entry '" + name + "'");
            }
            long dataStart = e.localHeaderOffset() + LOCAL_HEADER_SIZE + (local.getShort(26) & 0xffff)
                    + (local.getShort(28) & 0xffff);
            if (dataStart > fileSize || e.compressedSize() > fileSize - dataStart) {
                throw new CheckpointException("truncated zip: entry '" + name + "' (" + e.compressedSize()
                        + " bytes at " + dataStart + ") runs past the end of the " + fileSize + "-byte file");
            }
            if (e.size() > Integer.MAX_VALUE - 8) {
                throw new CheckpointException("zip entry '" + name + "' is larger than 2 GiB (" + e.size()
                        + " bytes); single storages that large are not supported");
            }
            if (e.method() == STORED) {
                if (e.size() != e.compressedSize()) {
                    throw new CheckpointException("corrupt zip: stored entry '" + name + "' has size " + e.size()
                            + " but " + e.compressedSize() + " stored bytes");
                }
                if (e.size() < MIN_MAPPED_BYTES) {
                    return read(channel, dataStart, (int) e.size());
                }
                return channel.map(FileChannel.MapMode.READ_ONLY, dataStart, e.size()).order(ByteOrder.LITTLE_ENDIAN);
            }
            if (e.method() == DEFLATED) {
                return inflate(e, dataStart);
            }
            throw new CheckpointException("zip entry '" + name + "' uses unsupported compression method " + e.method());
        } catch (IOException ex) {
            throw new CheckpointException("cannot read zip entry '" + name + "' of " + source + ": " + ex.getMessage(),
                    ex);
        }
    }

    private ByteBuffer inflate(Entry e, long dataStart) throws IOException {
        if (e.compressedSize() > Integer.MAX_VALUE - 8 || e.size() > e.compressedSize() * MAX_DEFLATE_RATIO + 64) {
            throw new CheckpointException("corrupt zip: deflated entry '" + e.name() + "' claims " + e.size()
                    + " bytes from " + e.compressedSize());
        }
        ByteBuffer in = read(channel, dataStart, (int) e.compressedSize());
        byte[] out = new byte[(int) e.size()];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(in);
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != out.length) {
                throw new CheckpointException("corrupt zip: deflated entry '" + e.name() + "' gave " + n
                        + " bytes, expected " + out.length);
            }
        } catch (DataFormatException ex) {
            throw new CheckpointException("corrupt zip: cannot inflate entry '" + e.name() + "': " + ex.getMessage(),
                    ex);
        } finally {
            inflater.end();
        }
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException("zip entry '" + name + "' is missing");
        }
        return e;
    }

    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new CheckpointException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
        return buf.flip();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new CheckpointException("cannot close " + source + ": " + e.getMessage(), e);
        }
    }
}
