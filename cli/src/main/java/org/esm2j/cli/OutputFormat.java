package org.esm2j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.esm2j.io.AtomicFiles;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The file formats of {@code embed} and {@code contacts} output. */
enum OutputFormat {
    /** One safetensors file; metadata in its {@code __metadata__}. */
    SAFETENSORS("safetensors"),
    /** A numpy {@code .npz} (uncompressed zip of {@code .npy}); metadata in a {@code __metadata__.json} member. */
    NPZ("npz"),
    /** Contact maps only: {@code record, i, j, probability} rows, 1-based residues, upper triangle. */
    TSV("tsv");

    private final String cliName;

    OutputFormat(String cliName) {
        this.cliName = cliName;
    }

    String cliName() {
        return cliName;
    }

    /** The format named by the file extension ({@code .npz}, {@code .tsv}), safetensors otherwise. */
    static OutputFormat forPath(Path out) {
        String name = String.valueOf(out.getFileName()).toLowerCase(Locale.ROOT);
        for (OutputFormat f : values()) {
            if (name.endsWith("." + f.cliName)) {
                return f;
            }
        }
        return SAFETENSORS;
    }

    /** What fills a sink and returns the metadata to finish it with. */
    @FunctionalInterface
    interface Work {
        Map<String, String> run(OutputSink sink) throws IOException;
    }

    /** Runs {@code work} into a sink of this format on a temporary sibling of {@code target}, then renames it. */
    void write(Path target, Work work) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        AtomicFiles.write(target, out -> {
            try (OutputSink sink = open(out, dir)) {
                sink.finish(work.run(sink));
            }
        });
    }

    private OutputSink open(OutputStream out, Path scratchDir) throws IOException {
        switch (this) {
            case SAFETENSORS: return new SafetensorsSink(out, scratchDir);
            case NPZ: return new NpzSink(out);
            case TSV: return new ContactsTsvSink(out);
            default: throw new IllegalStateException("unhandled format " + this);
        }
    }

    /** picocli converter for {@code --format}. */
    static final class Converter implements ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            for (OutputFormat f : values()) {
                if (f.cliName.equalsIgnoreCase(value.strip())) {
                    return f;
                }
            }
            throw new TypeConversionException("unknown format '" + value + "' (expected safetensors, npz or tsv)");
        }
    }
}
