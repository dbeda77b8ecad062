package org.esm2j.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.esm2j.io.AtomicFiles;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** The file formats of {@code embed} and {@code contacts} output. */
enum OutputFormat {
    /** One safetensors file; metadata in its {@code __metadata__}. */
    SAFETENSORS("safetensors", List.of("safetensors")),
    /** A numpy {@code .npz} (uncompressed zip of {@code .npy}); metadata in a {@code __metadata__.json} member. */
    NPZ("npz", List.of("npz")),
    /** Contact maps only: {@code record, i, j, probability} rows, 1-based residues, upper triangle. */
    TSV("tsv", List.of("tsv")),
    /** One sequence-level array per record as an (N, D) {@code .npy} matrix plus an ids file beside it. */
    NPY("npy", List.of("npy")),
    /** Sequence-level arrays as an Arrow IPC (Feather v2) table: id column plus one column per array. */
    ARROW("arrow", List.of("arrow", "feather"));

    private final String cliName;
    private final List<String> extensions;

    OutputFormat(String cliName, List<String> extensions) {
        this.cliName = cliName;
        this.extensions = extensions;
    }

    String cliName() {
        return cliName;
    }

    /** Text that a terminal can show; everything else is refused on a terminal's standard output. */
    boolean isText() {
        return this == TSV;
    }

    /** One row per record: only sequence-level arrays (mean, bos) fit. */
    boolean isTable() {
        return this == NPY || this == ARROW;
    }

    /** Whether files are written beside the target, which standard output therefore cannot be. */
    boolean writesCompanionFiles() {
        return this == NPY;
    }

    /** The files written beside the target itself. */
    List<Path> companions(Path target) {
        return writesCompanionFiles() ? List.of(NpyTableSink.idsFileFor(target)) : List.of();
    }

    /** The format a file name's extension names ({@code .npz}, {@code .feather}, ...), if any. */
    static Optional<OutputFormat> forExtension(Path out) {
        String name = String.valueOf(out.getFileName()).toLowerCase(Locale.ROOT);
        for (OutputFormat f : values()) {
            for (String ext : f.extensions) {
                if (name.endsWith("." + ext)) {
                    return Optional.of(f);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The format to write: {@code --format} if given, else the one the extension names; for standard output
     * {@code fallback}. An extension naming another format than {@code --format}, a format this command does not
     * write, or a file name that names none is a usage error: a run never writes one format under another's name.
     *
     * @param fallback the format for standard output without {@code --format}, or null to require {@code --format}
     */
    static OutputFormat choose(CommandSpec spec, OutputTarget target, OutputFormat explicit, List<OutputFormat> allowed,
            OutputFormat fallback) {
        Optional<OutputFormat> byName = target.isStandardOutput() ? Optional.empty()
                : forExtension(target.path());
        OutputFormat chosen;
        if (explicit != null) {
            if (byName.isPresent() && byName.get() != explicit) {
                throw new ParameterException(spec.commandLine(), "--out " + target + " names the "
                        + byName.get().cliName + " format but --format is " + explicit.cliName + "; make them agree");
            }
            chosen = explicit;
        } else if (byName.isPresent()) {
            chosen = byName.get();
        } else if (target.isStandardOutput() && fallback != null) {
            chosen = fallback;
        } else {
            throw new ParameterException(spec.commandLine(), target.isStandardOutput()
                    ? "--out - needs --format (" + names(allowed) + ")"
                    : "cannot tell the format of --out " + target + " from its name: end it in " + knownExtensions()
                    + ", or give --format");
        }
        if (!allowed.contains(chosen)) {
            throw new ParameterException(spec.commandLine(), "'" + spec.qualifiedName() + "' writes "
                    + names(allowed) + ", not " + chosen.cliName);
        }
        return chosen;
    }

    private static String names(List<OutputFormat> formats) {
        StringBuilder sb = new StringBuilder();
        for (OutputFormat f : formats) {
            sb.append(sb.length() == 0 ? "" : ", ").append(f.cliName);
        }
        return sb.toString();
    }

    /** {@code .safetensors, .npz, ...}: for messages. */
    static String knownExtensions() {
        StringBuilder sb = new StringBuilder();
        for (OutputFormat f : values()) {
            for (String ext : f.extensions) {
                sb.append(sb.length() == 0 ? "" : ", ").append('.').append(ext);
            }
        }
        return sb.toString();
    }

    /** What fills a sink. */
    @FunctionalInterface
    interface Work {
        void run(OutputSink sink) throws IOException;
    }

    /**
     * Runs {@code work} into a sink of this format and finishes it with {@code metadata}: on a temporary sibling of
     * the target that is renamed into place at the end, or straight into standard output.
     */
    void write(OutputTarget target, OutputLayout layout, Map<String, String> metadata, Work work)
            throws IOException {
        if (target.isStandardOutput()) {
            OutputStream stdout = new FilterOutputStream(System.out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush(); // standard output stays open for whatever follows
                }
            };
            fill(stdout, target, layout, metadata, work);
            return;
        }
        AtomicFiles.write(target.path(), out -> fill(out, target, layout, metadata, work));
    }

    private void fill(OutputStream out, OutputTarget target, OutputLayout layout, Map<String, String> metadata,
            Work work) throws IOException {
        try (OutputSink sink = open(out, target, layout, metadata)) {
            OutputSink ordered = this == SAFETENSORS ? sink : new ReorderingSink(sink, target.scratchDir());
            try {
                work.run(ordered);
                ordered.finish(metadata);
            } finally {
                if (ordered != sink) {
                    ordered.close();
                }
            }
        }
    }

    private OutputSink open(OutputStream out, OutputTarget target, OutputLayout layout, Map<String, String> metadata)
            throws IOException {
        switch (this) {
            case SAFETENSORS: return new SafetensorsSink(out, target.scratchDir()); // orders its header itself
            case NPZ: return new NpzSink(out);
            case TSV: return new ContactsTsvSink(out);
            case NPY: return new NpyTableSink(out, companions(target.path()).get(0), layout);
            case ARROW: return new ArrowTableSink(out, layout, metadata);
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
            throw new TypeConversionException("unknown format '" + value
                    + "' (expected safetensors, npz, tsv, npy or arrow)");
        }
    }
}
