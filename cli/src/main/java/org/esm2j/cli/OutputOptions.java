package org.esm2j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --out}, {@code --format}, {@code --resume} and {@code --dry-run} of {@code embed} and {@code contacts}. */
public final class OutputOptions {
    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE",
            description = "Output file, written atomically (no partial file on failure), or - for standard output. "
                    + "Must be a regular file or a new path, and not one of the inputs.")
    Path out;

    @Option(names = "--format", paramLabel = "FORMAT", converter = OutputFormat.Converter.class,
            description = "safetensors, npz, tsv (contacts only), npy or arrow (embed, per-protein tables). "
                    + "Default: from the --out extension (.safetensors, .npz, .tsv, .npy, .arrow or .feather); "
                    + "an extension naming another format is an error.")
    OutputFormat format;

    @Option(names = "--resume",
            description = "Save each finished batch in <out>.esm2j-resume/; rerunning the same command after a "
                    + "crash or kill continues from there and writes the same bytes as an uninterrupted run.")
    boolean resume;

    @Option(names = "--dry-run",
            description = "Print records, tokens after the length policy, batches, output size and memory, then "
                    + "stop: nothing is computed or written.")
    boolean dryRun;
}
