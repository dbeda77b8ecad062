package org.esm2j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** What {@code embed --include} can ask for; each becomes arrays named {@code <record id>/<key>}. */
enum OutputKind {
    /** {@code repr/<layer>}: (n, D) hidden states of the residues (no cls/eos rows), like extract.py's per_tok. */
    PER_RESIDUE("per-residue"),
    /** {@code mean/<layer>}: (D) mean of the per-residue rows. */
    MEAN("mean"),
    /** {@code bos/<layer>}: (D) the {@code <cls>} row (unsupervised in training; see docs/MODEL_REFERENCE.md 7). */
    BOS("bos"),
    /** {@code logits}: (n, 33) LM-head logits of the residues. */
    LOGITS("logits"),
    /** {@code contacts}: (n, n) contact probabilities. */
    CONTACTS("contacts"),
    /** {@code attentions}: (L, H, T, T) attention probabilities, T = n + 2 tokens with cls and eos. */
    ATTENTIONS("attentions");

    private final String cliName;

    OutputKind(String cliName) {
        this.cliName = cliName;
    }

    String cliName() {
        return cliName;
    }

    /** Whether this output is read from hidden states, i.e. needs {@code --layers}. */
    boolean usesLayers() {
        return this == PER_RESIDUE || this == MEAN || this == BOS;
    }

    /** picocli converter for {@code --include}. */
    static final class Converter implements ITypeConverter<OutputKind> {
        @Override
        public OutputKind convert(String value) {
            for (OutputKind k : values()) {
                if (k.cliName.equals(value.strip())) {
                    return k;
                }
            }
            throw new TypeConversionException("unknown output '" + value
                    + "' (expected per-residue, mean, bos, logits, contacts or attentions)");
        }
    }
}
