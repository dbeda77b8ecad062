package org.esm2j.function.finetune;

import java.io.IOException;
import java.nio.file.Path;
import org.esm2j.InvalidInputException;
import org.esm2j.io.Sha256;

/** SHA-256 of input files, recorded in a predictor's provenance so that a result can be traced to its exact inputs. */
final class FileDigests {
    private FileDigests() {
    }

    /** Lowercase hex SHA-256 of the file's bytes (as {@code sha256sum} prints it); an unreadable file is bad input. */
    static String sha256(Path file) {
        try {
            return Sha256.of(file);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + " for its checksum: " + e.getMessage(), e);
        }
    }
}
