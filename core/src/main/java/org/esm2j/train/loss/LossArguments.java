package org.esm2j.train.loss;

/** Argument checks shared by the losses, with messages naming the argument. */
final class LossArguments {
    private LossArguments() {
    }

    static void requireLength(String what, int actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + " has " + actual + " elements, expected " + expected);
        }
    }

    static void requirePositive(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be >= 1: " + value);
        }
    }
}
