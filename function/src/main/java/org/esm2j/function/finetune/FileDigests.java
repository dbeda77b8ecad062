package org.esm2j.function.finetune;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.esm2j.InvalidInputException;

/** SHA-256 of input files, recorded in a predictor's provenance so that a result can be traced to its exact inputs. */
final class FileDigests {
    private FileDigests() {
    }

    /** Lowercase hex SHA-256 of the file's bytes (as {@code sha256sum} prints it), read in a stream. */
    static String sha256(Path file) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                md.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + " for its checksum: " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
