package org.esm2j.function.baseline;

/**
 * One significant local alignment of a query against a target sequence.
 *
 * @param query index of the query in the searched list
 * @param target index of the target in the searched list
 * @param identity identical aligned columns / alignment columns, in [0, 1] (MMseqs2's {@code fident})
 */
public record HomologyHit(int query, int target, double identity) {
}
