package org.esm2j.function.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.esm2j.InvalidInputException;
import org.esm2j.function.labels.ProteinLabels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplittersTest {
    private static final SplitFractions THIRDS = SplitFractions.parse("a=0.3333333,b=0.3333333,c=0.3333334");

    @TempDir
    Path tmp;

    @Test
    void fractionsParseAndRoundToWholeCounts() {
        SplitFractions f = SplitFractions.parse("0.8,0.1,0.1");
        assertEquals(List.of("train", "valid", "test"), f.names());
        assertEquals(List.of(80, 10, 10), Arrays.stream(f.counts(100)).boxed().toList());
        assertEquals(List.of(6, 1, 1), Arrays.stream(f.counts(8)).boxed().toList()); // 6.4, 0.8, 0.8
        assertEquals(List.of("train", "test"), SplitFractions.parse("0.9,0.1").names());
        assertEquals(List.of("fold0", "fold1", "fold2"), SplitFractions.kFold(3).names());
        assertThrows(InvalidInputException.class, () -> SplitFractions.parse("0.8,0.3"));
        assertThrows(InvalidInputException.class, () -> SplitFractions.parse("train=x"));
    }

    @Test
    void randomSplitRepeatsWithItsSeedAndRoundTripsThroughTheFile() {
        List<String> proteins = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            proteins.add("P" + i);
        }
        SplitFractions f = SplitFractions.parse("0.8,0.1,0.1");
        SplitAssignment a = RandomSplitter.split(proteins, f, 42);
        assertEquals(Map.of("train", 81, "valid", 10, "test", 10), a.sizes());
        assertEquals(a.proteinsIn("test"), RandomSplitter.split(proteins, f, 42).proteinsIn("test"));
        assertNotEquals(a.proteinsIn("test"), RandomSplitter.split(proteins, f, 43).proteinsIn("test"));
        Path file = tmp.resolve("split.tsv");
        a.write(file);
        SplitAssignment back = SplitAssignment.read(file);
        for (String p : proteins) {
            assertEquals(a.splitOf(p), back.splitOf(p));
        }
    }

    /**
     * Multi-label data with rare labels: iterative stratification must place every label with at least three
     * proteins in all three parts, and keep per-label proportions closer to the target than random splits do.
     */
    @Test
    void iterativeStratificationBeatsRandomOnLabelBalance() {
        Random random = new Random(5);
        ProteinLabels labels = new ProteinLabels();
        List<String> proteins = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String p = "P" + i;
            proteins.add(p);
            labels.add(p, null);
            for (int l = 0; l < 30; l++) {
                double frequency = 0.01 + 0.3 * l / 30.0; // labels from 1% to 30% of proteins
                if (random.nextDouble() < frequency) {
                    labels.add(p, "L" + l);
                }
            }
        }
        SplitAssignment stratified = IterativeStratifier.split(proteins, labels, THIRDS, 1);
        // label balance comes first in this algorithm, so part sizes are near the fractions, not exact
        stratified.sizes().forEach((part, size) -> assertEquals(100, size, 6, part + " size"));
        for (Map.Entry<String, Integer> e : labels.labelCounts().entrySet()) {
            if (e.getValue() >= 3) {
                for (String part : THIRDS.names()) {
                    assertTrue(count(stratified, labels, e.getKey(), part) > 0, e.getKey() + " missing from " + part);
                }
            }
        }
        double stratifiedDeviation = labelDeviation(stratified, labels);
        double randomDeviation = 0;
        int seeds = 10;
        for (int s = 0; s < seeds; s++) {
            randomDeviation += labelDeviation(RandomSplitter.split(proteins, THIRDS, s), labels) / seeds;
        }
        assertTrue(stratifiedDeviation < 0.5 * randomDeviation, "label deviation stratified " + stratifiedDeviation
                + " vs random " + randomDeviation);
    }

    @Test
    void temporalSplitByCutoffs() {
        ProteinLabels dated = new ProteinLabels();
        dated.setDate("old", LocalDate.of(2019, 12, 31));
        dated.setDate("mid", LocalDate.of(2020, 1, 1));
        dated.setDate("new", LocalDate.of(2021, 6, 1));
        SplitAssignment s = TemporalSplitter.split(List.of("old", "mid", "new"), dated, LocalDate.of(2020, 1, 1),
                LocalDate.of(2021, 6, 1));
        assertEquals(List.of("train", "valid", "test"), List.of(s.splitOf("old"), s.splitOf("mid"), s.splitOf("new")));
        assertEquals("test", TemporalSplitter.split(List.of("mid"), dated, null, LocalDate.of(2020, 1, 1))
                .splitOf("mid"));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TemporalSplitter.split(List.of("old", "undated"), dated, null, LocalDate.of(2020, 1, 1)));
        assertTrue(e.getMessage().contains("undated"), e.getMessage());
    }

    /** Mean over labels and parts of |share of the label's proteins in the part - the part's fraction|. */
    private static double labelDeviation(SplitAssignment split, ProteinLabels labels) {
        double sum = 0;
        int n = 0;
        for (Map.Entry<String, Integer> e : labels.labelCounts().entrySet()) {
            for (int j = 0; j < THIRDS.size(); j++) {
                String part = THIRDS.names().get(j);
                sum += Math.abs((double) count(split, labels, e.getKey(), part) / e.getValue()
                        - THIRDS.fractions().get(j));
                n++;
            }
        }
        return sum / n;
    }

    private static int count(SplitAssignment split, ProteinLabels labels, String label, String part) {
        Map<String, Integer> memo = new HashMap<>();
        for (String p : split.proteinsIn(part)) {
            if (labels.labels(p).contains(label)) {
                memo.merge(label, 1, Integer::sum);
            }
        }
        return memo.getOrDefault(label, 0);
    }
}
