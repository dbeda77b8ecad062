package org.esm2j.train.schedule;

import java.util.Map;

/** Reading checkpointed schedule state with a message naming what is missing. */
final class StateValues {
    private StateValues() {
    }

    static double require(Map<String, Double> state, String key) {
        Double v = state.get(key);
        if (v == null) {
            throw new IllegalArgumentException("schedule state has no '" + key + "' (found " + state.keySet() + ")");
        }
        return v;
    }
}
