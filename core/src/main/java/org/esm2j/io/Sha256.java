package org.esm2j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 as esm2j records it (lowercase hex, as {@code sha256sum} prints it): of files streamed (checkpoints reach
 * 30 GB), of text, or of a digest fed piece by piece.
 */
public final class Sha256 {
    private static final int BUFFER_BYTES = 1 << 20;

    private Sha256() {
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform is required to provide SHA-256.
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /** Feeds the whole file into the digest (several files in turn digest their concatenation). */
    public static void update(MessageDigest digest, Path file) throws IOException {
        byte[] buffer = new byte[BUFFER_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
    }

    /** Finishes the digest as lowercase hex. */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    public static String of(Path file) throws IOException {
        MessageDigest digest = newDigest();
        update(digest, file);
        return hex(digest);
    }

    /** Of the text's UTF-8 bytes. */
    public static String ofText(String text) {
        MessageDigest digest = newDigest();
        digest.update(text.getBytes(StandardCharsets.UTF_8));
        return hex(digest);
    }
}
