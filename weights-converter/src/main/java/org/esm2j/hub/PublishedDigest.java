package org.esm2j.hub;

import java.util.regex.Pattern;

/**
 * The size and SHA-256 that a model's publisher lists for one of its files, independent of the download itself, so
 * that a transfer that went wrong (a corrupted resume, a proxy's error page of the right length, a bad mirror) is
 * caught rather than trusted.
 *
 * @param size bytes
 * @param sha256 lower-case hex digest
 * @param publisher where the digest was read, for messages (e.g. the Hugging Face listing URL)
 */
public record PublishedDigest(long size, String sha256, String publisher) {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    public PublishedDigest {
        if (size < 0 || sha256 == null || !SHA256_HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException("a published digest needs a size >= 0 and 64 lower-case hex digits, got "
                    + size + " and '" + sha256 + "'");
        }
    }

    /** Whether a file of that size and digest is the published one. */
    public boolean matches(long actualSize, String actualSha256) {
        return size == actualSize && sha256.equals(actualSha256);
    }

    /** "size S, sha256 H (published by P)", for messages. */
    public String describe() {
        return "size " + size + ", sha256 " + sha256 + " (published by " + publisher + ")";
    }
}
