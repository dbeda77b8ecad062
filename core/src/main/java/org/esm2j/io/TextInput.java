package org.esm2j.io;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Opens text inputs that may be gzip-compressed. Compression is recognised by the gzip magic bytes, not by the file
 * name, so {@code go.obo} that is really gzip and {@code x.gz} that is really plain both read correctly.
 */
public final class TextInput {
    private static final int GZIP_MAGIC_1 = 0x1f;
    private static final int GZIP_MAGIC_2 = 0x8b;

    private TextInput() {
    }

    /** The file's bytes, decompressed when the file starts with the gzip magic. */
    public static InputStream openMaybeGzip(Path path) throws IOException {
        InputStream in = open(path);
        try {
            return maybeGunzip(in);
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }

    /**
     * The stream's bytes, decompressed when they start with the gzip magic. Reads ahead two bytes, so it works on
     * pipes and standard input too.
     */
    public static InputStream maybeGunzip(InputStream stream) throws IOException {
        BufferedInputStream in = new BufferedInputStream(stream);
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        return first == GZIP_MAGIC_1 && second == GZIP_MAGIC_2 ? new GZIPInputStream(in) : in;
    }

    /**
     * A stream over the file. Pipes, FIFOs and /dev/stdin go through FileInputStream: the NIO stream asks such a
     * channel for its position when buffering and fails with "Illegal seek".
     */
    private static InputStream open(Path path) throws IOException {
        if (Files.isRegularFile(path) || !Files.exists(path)) {
            return Files.newInputStream(path);
        }
        return new FileInputStream(path.toFile());
    }

    /** A UTF-8 line reader over {@link #openMaybeGzip}. */
    public static BufferedReader openReader(Path path) throws IOException {
        return new BufferedReader(new InputStreamReader(openMaybeGzip(path), StandardCharsets.UTF_8));
    }
}
