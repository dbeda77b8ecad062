package org.esm2j.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Locates the golden fixtures (testdata/fixtures, made with Meta's fair-esm; see its README). Surefire passes the
 * folder as {@code -Desm2j.fixtures}; running a test from an IDE falls back to walking up to the repository root.
 */
public final class Fixtures {
    public static final String TINY = "esm2_tiny_L2_D64_H4";
    public static final String HEADS20 = "esm2_L2_D320_H20";
    public static final String HEAD_DIM64 = "esm2_L2_D256_H4";
    public static final List<String> MODELS = List.of(TINY, HEADS20, HEAD_DIM64);

    private Fixtures() {
    }

    public static Path root() {
        String prop = System.getProperty("esm2j.fixtures");
        if (prop != null && Files.isDirectory(Paths.get(prop))) {
            return Paths.get(prop);
        }
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("testdata/fixtures");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("testdata/fixtures not found; set -Desm2j.fixtures");
    }

    public static Path model(String name) {
        return root().resolve(name);
    }

    /** Meta's .pt file of the model (its -contact-regression.pt sits beside it). */
    public static Path metaCheckpoint(String name) {
        return model(name).resolve(name + ".pt");
    }

    /** The Hugging Face folder (config.json, model.safetensors, vocab.txt). */
    public static Path huggingFaceFolder(String name) {
        return model(name).resolve("hf");
    }

    public static Path golden(String name) {
        return model(name).resolve("golden.safetensors");
    }
}
