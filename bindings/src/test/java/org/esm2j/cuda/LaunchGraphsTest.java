package org.esm2j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.esm2j.cuda.LaunchGraphs.Action;
import org.junit.jupiter.api.Test;

/** The graph policy, host side: what a launch sequence does given its history. */
class LaunchGraphsTest {
    @Test
    void firstSightRunsEagerlySecondCapturesThenReplays() {
        assertEquals(Action.EAGER, LaunchGraphs.action(true, 0, false, false));
        assertEquals(Action.CAPTURE, LaunchGraphs.action(true, 1, false, false));
        assertEquals(Action.REPLAY, LaunchGraphs.action(true, 2, true, false));
        // an evicted graph is captured again
        assertEquals(Action.CAPTURE, LaunchGraphs.action(true, 5, false, false));
    }

    @Test
    void disabledOrUncapturableAlwaysRunsEagerly() {
        assertEquals(Action.EAGER, LaunchGraphs.action(false, 3, false, false));
        assertEquals(Action.EAGER, LaunchGraphs.action(false, 3, true, false));
        assertEquals(Action.EAGER, LaunchGraphs.action(true, 3, false, true));
    }
}
