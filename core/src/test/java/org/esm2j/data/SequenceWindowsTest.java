package org.esm2j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.esm2j.data.SequenceWindows.Window;
import org.junit.jupiter.api.Test;

class SequenceWindowsTest {
    private static int[] residues(int n) {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = 4 + i % 20;
        }
        return tokens;
    }

    @Test
    void placementWithLastWindowAlignedToTheEnd() {
        assertEquals(List.of(new Window(0, 4), new Window(3, 7), new Window(6, 10)),
                SequenceWindows.of(residues(10), 4, 1).windows());
        assertEquals(List.of(new Window(0, 4), new Window(3, 7), new Window(6, 10), new Window(7, 11)),
                SequenceWindows.of(residues(11), 4, 1).windows());
        assertEquals(List.of(new Window(0, 1022), new Window(478, 1500)),
                SequenceWindows.of(residues(1500), 1022, 500).windows());
        assertEquals(List.of(new Window(0, 3), new Window(3, 6), new Window(4, 7)),
                SequenceWindows.of(residues(7), 3, 0).windows());
    }

    @Test
    void shortSequenceIsOneWindow() {
        for (int n : new int[] {1, 5, 8}) {
            SequenceWindows w = SequenceWindows.of(residues(n), 8, 3);
            assertEquals(List.of(new Window(0, n)), w.windows());
            assertArrayEquals(residues(n), w.tokens(0));
        }
    }

    @Test
    void invalidParametersAreRejectedClearly() {
        String message = assertThrows(IllegalArgumentException.class,
                () -> SequenceWindows.of(residues(10), 4, 4)).getMessage();
        assertTrue(message.contains("overlap 4") && message.contains("window size 4"), message);
        assertThrows(IllegalArgumentException.class, () -> SequenceWindows.of(residues(10), 4, 7));
        assertThrows(IllegalArgumentException.class, () -> SequenceWindows.of(residues(10), 4, -1));
        assertThrows(IllegalArgumentException.class, () -> SequenceWindows.of(residues(10), 0, 0));
        assertThrows(IllegalArgumentException.class, () -> SequenceWindows.of(new int[0], 4, 1));
    }

    @Test
    void tokensOfEachWindowAreTheSlice() {
        int[] tokens = residues(11);
        SequenceWindows w = SequenceWindows.of(tokens, 4, 1);
        assertArrayEquals(new int[] {tokens[7], tokens[8], tokens[9], tokens[10]}, w.tokens(3));
        assertEquals(11, w.length());
        assertEquals(4, w.count());
    }

    /** Each window reports absolute positions; any correct averaging reproduces them exactly. */
    @Test
    void mergedRowsEqualAbsolutePositions() {
        int width = 3;
        SequenceWindows w = SequenceWindows.of(residues(23), 7, 3);
        List<float[]> outputs = new ArrayList<>();
        for (Window window : w.windows()) {
            float[] rows = new float[window.length() * width];
            for (int r = 0; r < window.length(); r++) {
                for (int c = 0; c < width; c++) {
                    rows[r * width + c] = (window.start() + r) * 10 + c;
                }
            }
            outputs.add(rows);
        }
        float[] merged = w.mergeRows(outputs, width);
        for (int r = 0; r < 23; r++) {
            for (int c = 0; c < width; c++) {
                assertEquals(r * 10 + c, merged[r * width + c], 0.0f, "row " + r + " column " + c);
            }
        }
    }

    /** Each window reports its index; a residue's merged value is the mean of the indices of the windows covering it. */
    @Test
    void overlappingRowsAreAveraged() {
        SequenceWindows w = SequenceWindows.of(residues(11), 4, 1); // [0,4) [3,7) [6,10) [7,11)
        List<float[]> outputs = new ArrayList<>();
        for (int i = 0; i < w.count(); i++) {
            float[] rows = new float[w.window(i).length()];
            Arrays.fill(rows, i);
            outputs.add(rows);
        }
        float[] expected = {0, 0, 0, 0.5f, 1, 1, 1.5f, 2.5f, 2.5f, 2.5f, 3};
        assertArrayEquals(expected, w.mergeRows(outputs, 1), 0.0f);
    }

    @Test
    void pairwiseMergeAveragesSharedEntriesAndMarksUncoveredAsNaN() {
        int n = 11;
        SequenceWindows w = SequenceWindows.of(residues(n), 4, 1);
        List<float[]> maps = new ArrayList<>();
        for (int i = 0; i < w.count(); i++) {
            Window window = w.window(i);
            int m = window.length();
            float[] map = new float[m * m];
            for (int r = 0; r < m; r++) {
                for (int c = 0; c < m; c++) {
                    // absolute pair code + a per-window offset that averages to a known value
                    map[r * m + c] = 1000 * (window.start() + r) + (window.start() + c) + i;
                }
            }
            maps.add(map);
        }
        float[] merged = w.mergePairs(maps);
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                double offsetSum = 0;
                int covering = 0;
                for (int i = 0; i < w.count(); i++) {
                    Window window = w.window(i);
                    if (r >= window.start() && r < window.end() && c >= window.start() && c < window.end()) {
                        offsetSum += i;
                        covering++;
                    }
                }
                float actual = merged[r * n + c];
                if (covering == 0) {
                    assertTrue(Float.isNaN(actual), "pair (" + r + ", " + c + ") is covered by no window");
                } else {
                    assertEquals(1000 * r + c + offsetSum / covering, actual, 1e-3, "pair (" + r + ", " + c + ")");
                }
            }
        }
        assertTrue(Float.isNaN(merged[0 * n + 10]));
        assertEquals(1000 * 3 + 3 + 0.5f, merged[3 * n + 3], 0.0f);
        assertEquals(1000 * 7 + 9 + 2.5f, merged[7 * n + 9], 0.0f);
    }

    @Test
    void mergeChecksShapes() {
        SequenceWindows w = SequenceWindows.of(residues(10), 4, 1);
        String message = assertThrows(IllegalArgumentException.class,
                () -> w.mergeRows(List.of(new float[8], new float[8], new float[7]), 2)).getMessage();
        assertTrue(message.contains("window 2") && message.contains("(4 x 2)"), message);
        assertThrows(IllegalArgumentException.class, () -> w.mergeRows(List.of(new float[8]), 2));
        assertThrows(IllegalArgumentException.class,
                () -> w.mergePairs(List.of(new float[16], new float[16], new float[15])));
    }

    /** Random lengths, sizes and overlaps: windows cover every residue, respect the size and overlap, stay in order. */
    @Test
    void randomPlansCoverEverythingWithTheRequestedOverlap() {
        Random random = new Random(20240607L);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + random.nextInt(300);
            int size = 1 + random.nextInt(64);
            int overlap = random.nextInt(size);
            List<Window> windows = SequenceWindows.of(residues(n), size, overlap).windows();
            String plan = "n=" + n + " size=" + size + " overlap=" + overlap + " " + windows;
            assertEquals(0, windows.get(0).start(), plan);
            assertEquals(n, windows.get(windows.size() - 1).end(), plan);
            for (int i = 0; i < windows.size(); i++) {
                Window window = windows.get(i);
                assertEquals(Math.min(n, size), window.length(), plan);
                if (i > 0) {
                    Window previous = windows.get(i - 1);
                    assertTrue(window.start() > previous.start(), plan);
                    assertTrue(previous.end() - window.start() >= overlap, plan);
                }
            }
            assertEquals(n <= size, windows.size() == 1, plan);
        }
    }
}
