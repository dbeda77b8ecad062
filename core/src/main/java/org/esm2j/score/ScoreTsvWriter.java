package org.esm2j.score;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.esm2j.Esm2jException;
import org.esm2j.io.AtomicFiles;

/**
 * Writes variant scores as UTF-8 TSV: the header {@code mutation<TAB>score}, then one line per mutation set in input
 * order, the mutation as the user wrote it and the score with six decimals (locale-independent, {@code .} as the
 * decimal point). The file appears atomically ({@link AtomicFiles}).
 */
public final class ScoreTsvWriter {
    public static final String HEADER = "mutation\tscore";

    private ScoreTsvWriter() {
    }

    public static void write(Path target, List<MutationSet> mutations, List<Double> scores) {
        if (mutations.size() != scores.size()) {
            throw new IllegalArgumentException(mutations.size() + " mutation sets but " + scores.size() + " scores");
        }
        try {
            AtomicFiles.write(target, out -> {
                Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
                w.write(HEADER);
                w.write('\n');
                for (int i = 0; i < scores.size(); i++) {
                    w.write(mutations.get(i).text());
                    w.write('\t');
                    w.write(String.format(Locale.ROOT, "%.6f", scores.get(i)));
                    w.write('\n');
                }
                w.flush();
            });
        } catch (IOException e) {
            throw new Esm2jException("cannot write scores to " + target + ": " + e, e);
        }
    }
}
