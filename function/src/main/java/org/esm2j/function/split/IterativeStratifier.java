package org.esm2j.function.split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.esm2j.function.labels.ProteinLabels;

/**
 * Multi-label stratified splitting by iterative stratification (Sechidis, Tsoumakas and Vlahavas, "On the
 * stratification of multi-label data", ECML PKDD 2011). The rarest label is distributed first, because a rare label
 * misplaced early cannot be repaired later, while common labels even out on their own: repeatedly take the label with
 * the fewest unassigned proteins and give each of its proteins to the part that still wants most of that label
 * (ties: the part that wants most proteins overall, then a seeded random choice). Proteins without labels fill the
 * parts' remaining demand last.
 */
public final class IterativeStratifier {
    private IterativeStratifier() {
    }

    public static SplitAssignment split(Collection<String> proteins, ProteinLabels labels, SplitFractions fractions,
            long seed) {
        Random random = new Random(seed);
        List<String> order = new ArrayList<>(proteins);
        int parts = fractions.size();
        int n = order.size();

        // label index -> proteins carrying it; protein -> its label indices
        Map<String, Integer> labelIndex = new HashMap<>();
        List<List<Integer>> proteinsOfLabel = new ArrayList<>();
        int[][] labelsOfProtein = new int[n][];
        for (int p = 0; p < n; p++) {
            Collection<String> ls = labels.labels(order.get(p));
            labelsOfProtein[p] = new int[ls.size()];
            int k = 0;
            for (String l : ls) {
                int li = labelIndex.computeIfAbsent(l, x -> {
                    proteinsOfLabel.add(new ArrayList<>());
                    return proteinsOfLabel.size() - 1;
                });
                proteinsOfLabel.get(li).add(p);
                labelsOfProtein[p][k++] = li;
            }
        }
        int labelCount = proteinsOfLabel.size();
        double[] wantedProteins = new double[parts];
        double[][] wantedOfLabel = new double[labelCount][parts];
        int[] unassignedOfLabel = new int[labelCount];
        for (int j = 0; j < parts; j++) {
            wantedProteins[j] = n * fractions.fractions().get(j);
        }
        for (int l = 0; l < labelCount; l++) {
            unassignedOfLabel[l] = proteinsOfLabel.get(l).size();
            for (int j = 0; j < parts; j++) {
                wantedOfLabel[l][j] = proteinsOfLabel.get(l).size() * fractions.fractions().get(j);
            }
        }

        int[] partOf = new int[n];
        Arrays.fill(partOf, -1);
        while (true) {
            int rarest = rarestLabel(unassignedOfLabel, random);
            if (rarest < 0) {
                break;
            }
            List<Integer> members = new ArrayList<>(proteinsOfLabel.get(rarest));
            Collections.shuffle(members, random);
            for (int p : members) {
                if (partOf[p] >= 0) {
                    continue;
                }
                int part = chooseMostWanted(wantedOfLabel[rarest], wantedProteins, random);
                partOf[p] = part;
                wantedProteins[part]--;
                for (int l : labelsOfProtein[p]) {
                    wantedOfLabel[l][part]--;
                    unassignedOfLabel[l]--;
                }
            }
        }
        double[] noPreference = new double[parts];
        for (int p = 0; p < n; p++) {
            if (partOf[p] < 0) {
                int part = chooseMostWanted(noPreference, wantedProteins, random);
                partOf[p] = part;
                wantedProteins[part]--;
            }
        }
        SplitAssignment split = new SplitAssignment();
        for (int p = 0; p < n; p++) {
            split.assign(order.get(p), fractions.names().get(partOf[p]));
        }
        return split;
    }

    /** The label with the fewest unassigned proteins (at least one), ties broken at random; -1 when none is left. */
    private static int rarestLabel(int[] unassigned, Random random) {
        int best = -1;
        int ties = 0;
        for (int l = 0; l < unassigned.length; l++) {
            if (unassigned[l] <= 0) {
                continue;
            }
            if (best < 0 || unassigned[l] < unassigned[best]) {
                best = l;
                ties = 1;
            } else if (unassigned[l] == unassigned[best] && random.nextInt(++ties) == 0) {
                best = l; // reservoir sampling: each tied label equally likely
            }
        }
        return best;
    }

    private static int chooseMostWanted(double[] wantedOfLabel, double[] wantedProteins, Random random) {
        int best = 0;
        int ties = 1;
        for (int j = 1; j < wantedOfLabel.length; j++) {
            int cmp = Double.compare(wantedOfLabel[j], wantedOfLabel[best]);
            if (cmp == 0) {
                cmp = Double.compare(wantedProteins[j], wantedProteins[best]);
            }
            if (cmp > 0) {
                best = j;
                ties = 1;
            } else if (cmp == 0 && random.nextInt(++ties) == 0) {
                best = j;
            }
        }
        return best;
    }
}
