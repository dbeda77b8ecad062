package org.esm2j.function.split;

import java.util.ArrayList;
import java.util.List;
import org.esm2j.InvalidInputException;

/**
 * Named parts and their shares of the data, e.g. train 0.8, valid 0.1, test 0.1; or k equal folds.
 *
 * @param names the parts' names, as written to the split file
 * @param fractions their shares, positive, summing to 1
 */
public record SplitFractions(List<String> names, List<Double> fractions) {
    private static final double SUM_TOLERANCE = 1e-6;
    private static final List<String> DEFAULT_NAMES = List.of("train", "valid", "test");

    public SplitFractions {
        names = List.copyOf(names);
        fractions = List.copyOf(fractions);
        if (names.size() != fractions.size() || names.size() < 2) {
            throw new IllegalArgumentException("need at least two parts with one fraction each, got " + names + " "
                    + fractions);
        }
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException("part names repeat: " + names);
        }
        double sum = 0;
        for (double f : fractions) {
            if (!(f > 0)) {
                throw new IllegalArgumentException("fractions must be positive, got " + fractions);
            }
            sum += f;
        }
        if (Math.abs(sum - 1) > SUM_TOLERANCE) {
            throw new IllegalArgumentException("fractions must sum to 1, got " + fractions + " (sum " + sum + ")");
        }
    }

    /**
     * Parses {@code train=0.8,valid=0.1,test=0.1}, or bare numbers {@code 0.8,0.1,0.1} (named train, valid, test;
     * with two numbers train, test).
     */
    public static SplitFractions parse(String text) {
        String[] items = text.split(",");
        List<String> names = new ArrayList<>();
        List<Double> fractions = new ArrayList<>();
        try {
            for (int i = 0; i < items.length; i++) {
                String[] kv = items[i].strip().split("=", 2);
                if (kv.length == 2) {
                    names.add(kv[0].strip());
                    fractions.add(Double.parseDouble(kv[1].strip()));
                } else {
                    fractions.add(Double.parseDouble(kv[0]));
                }
            }
            if (names.isEmpty()) {
                names.addAll(fractions.size() == 2 ? List.of("train", "test")
                        : DEFAULT_NAMES.subList(0, Math.min(fractions.size(), DEFAULT_NAMES.size())));
            }
            return new SplitFractions(names, fractions);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("fractions '" + text + "': " + e.getMessage()
                    + " (expected e.g. train=0.8,valid=0.1,test=0.1)", e);
        }
    }

    /** k equal folds named fold0 .. fold(k-1). */
    public static SplitFractions kFold(int k) {
        if (k < 2) {
            throw new IllegalArgumentException("k-fold needs k >= 2, got " + k);
        }
        List<String> names = new ArrayList<>();
        List<Double> fractions = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add("fold" + i);
            fractions.add(1.0 / k);
        }
        return new SplitFractions(names, fractions);
    }

    public int size() {
        return names.size();
    }

    /**
     * Whole-item counts for {@code total} items that sum to {@code total}: the floors of total x fraction, the
     * remainder going to the parts with the largest fractional parts (ties to the earlier part).
     */
    public int[] counts(int total) {
        int[] counts = new int[size()];
        double[] remainders = new double[size()];
        int assigned = 0;
        for (int i = 0; i < size(); i++) {
            double exact = total * fractions.get(i);
            counts[i] = (int) Math.floor(exact);
            remainders[i] = exact - counts[i];
            assigned += counts[i];
        }
        for (; assigned < total; assigned++) {
            int best = 0;
            for (int i = 1; i < size(); i++) {
                if (remainders[i] > remainders[best]) {
                    best = i;
                }
            }
            counts[best]++;
            remainders[best] = -1;
        }
        return counts;
    }
}
