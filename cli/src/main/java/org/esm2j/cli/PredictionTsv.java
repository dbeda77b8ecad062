package org.esm2j.cli;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;
import org.esm2j.function.labels.LabelVocabulary;

/**
 * Writes scored predictions as TSV, the format {@code esm2j evaluate} reads: {@code protein<TAB>term<TAB>name<TAB>
 * score<TAB>predicted} with the decision thresholds of a predictor, or {@code protein<TAB>term<TAB>score} for a
 * baseline without thresholds. Terms scoring below {@code minScore} are left out (an absent pair scores 0 in every
 * metric); scores are printed with 6 decimals.
 */
final class PredictionTsv {
    private final Writer out;
    private final LabelVocabulary vocabulary;
    private final float[] thresholds;
    private final double minScore;

    /** @param thresholds per-term decision thresholds, or {@code null} for the three-column form */
    PredictionTsv(Writer out, LabelVocabulary vocabulary, float[] thresholds, double minScore) throws IOException {
        this.out = out;
        this.vocabulary = vocabulary;
        this.thresholds = thresholds;
        this.minScore = minScore;
        out.write(thresholds == null ? "protein\tterm\tscore\n" : "protein\tterm\tname\tscore\tpredicted\n");
    }

    /** One row per term of each protein that reaches {@code minScore}; row i of {@code scores} is protein i. */
    void write(List<String> proteins, float[][] scores) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < proteins.size(); i++) {
            for (int t = 0; t < scores[i].length; t++) {
                float s = scores[i][t];
                if (s < minScore) {
                    continue;
                }
                sb.append(proteins.get(i)).append('\t').append(vocabulary.label(t)).append('\t');
                if (thresholds != null) {
                    sb.append(vocabulary.name(t)).append('\t');
                }
                sb.append(String.format(Locale.ROOT, "%.6f", s));
                if (thresholds != null) {
                    sb.append('\t').append(s >= thresholds[t] ? '1' : '0');
                }
                sb.append('\n');
            }
        }
        out.write(sb.toString());
    }
}
