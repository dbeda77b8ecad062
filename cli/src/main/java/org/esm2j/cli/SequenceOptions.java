package org.esm2j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.data.Alphabet;
import org.esm2j.data.FastaReader;
import org.esm2j.data.FastaRecord;
import org.esm2j.data.LengthPolicy;
import org.esm2j.data.SequenceWindows;
import org.esm2j.data.UnknownResiduePolicy;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** The input side of {@code embed} and {@code contacts}: FASTA, unknown residues, long sequences, batch size. */
public final class SequenceOptions {
    @Option(names = {"-f", "--fasta"}, required = true, paramLabel = "FASTA",
            description = "Input sequences (plain or gzip; - or a pipe reads standard input); outputs are named "
                    + "after each record's id.")
    Path fasta;

    @Option(names = "--unknown", paramLabel = "error|X|unk", defaultValue = "error",
            converter = UnknownPolicyConverter.class,
            description = "Characters outside the ESM-2 alphabet: fail naming record and position (default), map "
                    + "to X, or map to <unk>.")
    UnknownResiduePolicy unknown;

    @Option(names = "--truncate", paramLabel = "N",
            description = "Keep only the first N residues of longer sequences (fair-esm extract.py's "
                    + "--truncation_seq_length; N at most 1022); outputs cover the kept residues.")
    Integer truncate;

    @Option(names = "--window", paramLabel = "N",
            description = "Run sequences longer than N residues (N at most 1022) as overlapping windows of N and "
                    + "average the outputs over the windows covering each residue (pairs for contacts).")
    Integer window;

    @Option(names = "--overlap", paramLabel = "K", defaultValue = "0",
            description = "Residues shared by consecutive windows (with --window; default ${DEFAULT-VALUE}).")
    int overlap;

    @Option(names = "--toks-per-batch", paramLabel = "N", defaultValue = "4096",
            description = "Padded tokens per forward pass (longest sequence x batch size; default ${DEFAULT-VALUE}). "
                    + "Bounds memory; results do not depend on it.")
    int tokensPerBatch;

    /** A FASTA record as it will run: its residue windows (one window unless --window splits it). */
    record Prepared(FastaRecord record, SequenceWindows windows) {
    }

    /**
     * Without --truncate or --window a sequence over 1022 residues is an error, as in fair-esm (1022 + cls + eos is
     * the training length).
     */
    LengthPolicy lengthPolicy(CommandSpec spec) {
        if (truncate != null && window != null) {
            throw new ParameterException(spec.commandLine(), "--truncate and --window cannot be combined");
        }
        if (overlap != 0 && window == null) {
            throw new ParameterException(spec.commandLine(), "--overlap needs --window");
        }
        if (tokensPerBatch < 1) {
            throw new ParameterException(spec.commandLine(), "--toks-per-batch must be at least 1, got "
                    + tokensPerBatch);
        }
        checkModelLimit(spec, "--truncate", truncate);
        checkModelLimit(spec, "--window", window);
        try {
            if (truncate != null) {
                return LengthPolicy.truncate(truncate);
            }
            if (window != null) {
                return LengthPolicy.window(window, overlap);
            }
            return LengthPolicy.defaults();
        } catch (InvalidInputException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * A residue count above what ESM-2 was trained on (1022 + cls + eos = 1024 tokens) would silently run sequences
     * unwindowed and untruncated: a usage error naming the limit instead.
     */
    static void checkModelLimit(CommandSpec spec, String option, Integer residues) {
        if (residues != null && residues > LengthPolicy.DEFAULT_MAX_RESIDUES) {
            throw new ParameterException(spec.commandLine(), option + " " + residues + " is above the model's limit "
                    + "of " + LengthPolicy.DEFAULT_MAX_RESIDUES + " residues (" + (LengthPolicy.DEFAULT_MAX_RESIDUES + 2)
                    + " tokens with <cls> and <eos>); give at most " + LengthPolicy.DEFAULT_MAX_RESIDUES);
        }
    }

    /** Reads, encodes and windows every record, so bad input fails before any model is loaded. */
    List<Prepared> prepare(CommandSpec spec) {
        LengthPolicy policy = lengthPolicy(spec);
        List<Prepared> out = new ArrayList<>();
        for (FastaRecord r : readFasta(fasta)) {
            int[] residues = Alphabet.encode(r.sequence(), r.id(), unknown);
            if (residues.length == 0) {
                throw new InvalidInputException("record '" + r.id() + "' in " + fasta + " has no residues");
            }
            out.add(new Prepared(r, policy.apply(r.id(), residues)));
        }
        return out;
    }

    /** A FASTA file, or standard input for {@code -}. */
    static List<FastaRecord> readFasta(Path fasta) {
        return isStandardInput(fasta) ? FastaReader.read(System.in, "standard input") : FastaReader.read(fasta);
    }

    static boolean isStandardInput(Path fasta) {
        return fasta.toString().equals("-");
    }

    /** {@code error:1022}, {@code truncate:N} or {@code window:N:K}, for output metadata. */
    String describePolicy(CommandSpec spec) {
        LengthPolicy p = lengthPolicy(spec);
        String mode = p.mode().name().toLowerCase(java.util.Locale.ROOT);
        return mode + ":" + p.maxResidues() + (p.mode() == LengthPolicy.Mode.WINDOW ? ":" + p.overlap() : "");
    }

    /** picocli converter for {@code --unknown}; a bad value is a usage error. */
    static final class UnknownPolicyConverter implements ITypeConverter<UnknownResiduePolicy> {
        @Override
        public UnknownResiduePolicy convert(String value) {
            try {
                return UnknownResiduePolicy.fromCliName(value.strip());
            } catch (InvalidInputException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
