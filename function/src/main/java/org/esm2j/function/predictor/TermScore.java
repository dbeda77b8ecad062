package org.esm2j.function.predictor;

/**
 * One term's score for one protein.
 *
 * @param term the label (e.g. {@code GO:0005524})
 * @param name its readable name from the label vocabulary
 * @param score in [0, 1]
 * @param predicted whether the score reaches the term's decision threshold
 */
public record TermScore(String term, String name, float score, boolean predicted) {
}
