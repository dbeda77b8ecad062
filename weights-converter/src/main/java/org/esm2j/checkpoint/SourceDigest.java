package org.esm2j.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import org.esm2j.CheckpointException;
import org.esm2j.io.Sha256;

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
        MessageDigest md = Sha256.newDigest();
        for (Path file : filesInOrder) {
            try {
                Sha256.update(md, file);
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + file + " for its checksum: " + e.getMessage(), e);
            }
        }
        return Sha256.hex(md);
    }
}
