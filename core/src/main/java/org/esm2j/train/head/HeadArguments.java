package org.esm2j.train.head;

/** Shape checks shared by pooling and heads, with messages naming the argument. */
final class HeadArguments {
    private HeadArguments() {
    }

    static void requireRows(String what, float[] values, int rows, int columns) {
        if (values.length != (long) rows * columns) {
            throw new IllegalArgumentException(what + " has " + values.length + " elements, expected " + rows + " x "
                    + columns);
        }
    }

    static int requireResidues(PackedSequences batch, int sequence) {
        int n = batch.residueCount(sequence);
        if (n == 0) {
            throw new IllegalArgumentException("sequence " + sequence + " has no residue rows to pool over");
        }
        return n;
    }

    static void requireForward(Object saved) {
        if (saved == null) {
            throw new IllegalStateException("backward called before forward");
        }
    }
}
