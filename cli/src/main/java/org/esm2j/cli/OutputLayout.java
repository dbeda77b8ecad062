package org.esm2j.cli;

import java.util.List;

/**
 * What a run will hand its sink, known before the first array: the record ids in input order, the embedding width
 * and the per-record sequence-level arrays ({@code mean/<layer>}, {@code bos/<layer>}) that the table formats make
 * columns of.
 */
record OutputLayout(List<String> ids, int dim, List<String> sequenceLevelKeys) {
    OutputLayout {
        ids = List.copyOf(ids);
        sequenceLevelKeys = List.copyOf(sequenceLevelKeys);
    }
}
