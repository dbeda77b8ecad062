package org.esm2j.function.baseline;

import java.util.List;

/** Finds, for each query sequence, the target sequences it aligns to significantly. */
public interface HomologySearch {
    /** The tool, for logs and a run's provenance (e.g. {@code mmseqs}, {@code java-smith-waterman}). */
    String name();

    /** Every significant hit of every query; queries without hits have none listed. */
    List<HomologyHit> search(List<String> queries, List<String> targets);
}
