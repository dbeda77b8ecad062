package org.esm2j.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.esm2j.CheckpointException;

/**
 * SHA-256 of a checkpoint's weight bytes, streamed (checkpoints reach 30 GB). For a single file it is the file's own
 * digest, so {@code sha256sum model.safetensors} agrees. For sharded folders it is the digest of the shards' bytes
 * concatenated in file-name order. config.json and the Meta contact-regression file are not included: they are
 * covered by the config stored alongside and by the contact tensors themselves.
 */
final class SourceDigest {
    private SourceDigest() {
    }

    static String sha256(List<Path> filesInOrder) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
        byte[] buf = new byte[1 << 16];
        for (Path file : filesInOrder) {
            try (InputStream in = Files.newInputStream(file)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + file + " for its checksum: " + e.getMessage(), e);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
