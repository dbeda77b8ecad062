package org.esm2j.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import org.esm2j.io.Sha256;

/**
 * The size and digest that a model's publisher lists for one of its files, independent of the download itself, so
 * that a transfer that went wrong (a corrupted resume, a proxy's error page of the right length, a bad mirror) is
 * caught rather than trusted. The Hugging Face hub lists the SHA-256 of large (LFS) files and the Git blob id
 * (SHA-1 of {@code "blob <size>\0"} + content) of small ones.
 *
 * @param size bytes
 * @param kind which digest {@code hex} is
 * @param hex lower-case hex digest
 * @param publisher where the digest was read, for messages (e.g. the Hugging Face listing URL)
 */
public record PublishedDigest(long size, Kind kind, String hex, String publisher) {
    /** The digests publishers list. */
    public enum Kind {
        SHA256("sha256", Pattern.compile("[0-9a-f]{64}")),
        GIT_BLOB_SHA1("git blob SHA-1", Pattern.compile("[0-9a-f]{40}"));

        private final String label;
        private final Pattern format;

        Kind(String label, Pattern format) {
            this.label = label;
            this.format = format;
        }

        /** Whether {@code hex} is a digest of this kind. */
        public boolean accepts(String hex) {
            return hex != null && format.matcher(hex).matches();
        }
    }

    public PublishedDigest {
        if (size < 0 || kind == null || !kind.accepts(hex)) {
            throw new IllegalArgumentException("a published digest needs a size >= 0 and a " + kind + " in lower-case"
                    + " hex, got " + size + " and '" + hex + "'");
        }
    }

    /**
     * How {@code file} differs from the published one, or empty when it is that file.
     *
     * @param size the file's size
     * @param sha256 its SHA-256, already known from the download or its record (a Git blob id is computed here)
     */
    Optional<String> mismatch(Path file, long size, String sha256) throws IOException {
        String actual = kind == Kind.SHA256 ? sha256 : gitBlobSha1(file, size);
        if (this.size == size && hex.equals(actual)) {
            return Optional.empty();
        }
        return Optional.of("size " + size + ", " + kind.label + " " + actual);
    }

    /** "size S, sha256 H (published by P)", for messages. */
    public String describe() {
        return "size " + size + ", " + kind.label + " " + hex + " (published by " + publisher + ")";
    }

    private static String gitBlobSha1(Path file, long size) throws IOException {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java platform provides SHA-1
        }
        sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        Sha256.update(sha1, file);
        return HexFormat.of().formatHex(sha1.digest());
    }
}
