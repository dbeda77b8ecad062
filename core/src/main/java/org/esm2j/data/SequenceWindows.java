package org.esm2j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A sequence cut into windows of at most {@code size} residues that overlap by {@code overlap}, and the merging of
 * the model's per-window outputs back into whole-sequence outputs. This is the usual answer to sequences longer than
 * the 1022 residues ESM-2 was trained on (docs/MODEL_REFERENCE.md 7, 8.1): run each window as its own framed
 * sequence ({@link Alphabet#frame}), then average.
 *
 * <p>Placement: windows start at 0, size - overlap, 2 (size - overlap), ... and the last window is aligned to the end of
 * the sequence, so every window except possibly a single one has exactly {@code size} residues and consecutive windows
 * share at least {@code overlap} residues. A sequence of at most {@code size} residues is one window.
 *
 * <p>Merging: per-residue outputs (representations, logits) are averaged over the windows that cover each residue.
 * Pairwise outputs (contact maps) are averaged over the windows that contain both residues; a pair that no window
 * contains (residues further apart than any window spans) is {@link Float#NaN}, because the model never saw those two
 * residues together and a made-up probability such as 0 would be indistinguishable from a prediction.
 *
 * <p>Arrays are flat and row-major like {@link org.esm2j.model.ForwardResult}'s, but cover residues only: drop the
 * {@code <cls>} and {@code <eos>} rows of each window's output before merging.
 */
public final class SequenceWindows {
    /** Residues {@code start} (inclusive) to {@code end} (exclusive), 0-based positions in the whole sequence. */
    public record Window(int start, int end) {
        public int length() {
            return end - start;
        }
    }

    private final int[] residueTokens;
    private final List<Window> windows;

    private SequenceWindows(int[] residueTokens, List<Window> windows) {
        this.residueTokens = residueTokens;
        this.windows = windows;
    }

    /**
     * Plans the windows over {@code residueTokens} (residues only, no cls/eos).
     *
     * @throws IllegalArgumentException when the sequence is empty, {@code size < 1}, or the overlap is negative or not
     *     smaller than the size (the windows would not advance)
     */
    public static SequenceWindows of(int[] residueTokens, int size, int overlap) {
        if (size < 1) {
            throw new IllegalArgumentException("window size must be at least 1 residue, got " + size);
        }
        if (overlap < 0 || overlap >= size) {
            throw new IllegalArgumentException("window overlap must be between 0 and window size - 1 = " + (size - 1)
                    + " so that each window advances; got overlap " + overlap + " for window size " + size);
        }
        int n = residueTokens.length;
        if (n == 0) {
            throw new IllegalArgumentException("cannot cut an empty sequence into windows");
        }
        List<Window> windows = new ArrayList<>();
        int stride = size - overlap;
        int start = 0;
        while (start + size < n) {
            windows.add(new Window(start, start + size));
            start += stride;
        }
        windows.add(new Window(Math.max(0, n - size), n));
        return new SequenceWindows(residueTokens.clone(), Collections.unmodifiableList(windows));
    }

    /** Residues in the whole sequence: the row count of merged outputs. */
    public int length() {
        return residueTokens.length;
    }

    public int count() {
        return windows.size();
    }

    public List<Window> windows() {
        return windows;
    }

    public Window window(int index) {
        return windows.get(index);
    }

    /** The residue tokens of window {@code index}, to be framed and run through the model. */
    public int[] tokens(int index) {
        Window w = windows.get(index);
        return Arrays.copyOfRange(residueTokens, w.start(), w.end());
    }

    /**
     * Merges per-residue outputs: {@code perWindow.get(i)} is window i's {@code (length_i, width)} array; the result is
     * {@code (length(), width)}, each row the mean of the rows that the covering windows give for that residue.
     */
    public float[] mergeRows(List<float[]> perWindow, int width) {
        checkWindowCount(perWindow);
        if (width < 1) {
            throw new IllegalArgumentException("row width must be at least 1, got " + width);
        }
        int n = length();
        double[] sum = new double[n * width];
        int[] covering = new int[n];
        for (int i = 0; i < windows.size(); i++) {
            Window w = windows.get(i);
            float[] rows = perWindow.get(i);
            checkSize(i, rows, (long) w.length() * width, w.length() + " x " + width);
            for (int r = 0; r < w.length(); r++) {
                int target = (w.start() + r) * width;
                int source = r * width;
                for (int c = 0; c < width; c++) {
                    sum[target + c] += rows[source + c];
                }
                covering[w.start() + r]++;
            }
        }
        float[] merged = new float[n * width];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < width; c++) {
                merged[r * width + c] = (float) (sum[r * width + c] / covering[r]);
            }
        }
        return merged;
    }

    /**
     * Merges pairwise outputs: {@code perWindow.get(i)} is window i's {@code (length_i, length_i)} map; the result is
     * {@code (length(), length())}, each entry the mean over the windows that contain both residues, NaN where none
     * does.
     */
    public float[] mergePairs(List<float[]> perWindow) {
        checkWindowCount(perWindow);
        int n = length();
        double[] sum = new double[n * n];
        int[] covering = new int[n * n];
        for (int i = 0; i < windows.size(); i++) {
            Window w = windows.get(i);
            int m = w.length();
            float[] map = perWindow.get(i);
            checkSize(i, map, (long) m * m, m + " x " + m);
            for (int r = 0; r < m; r++) {
                int target = (w.start() + r) * n + w.start();
                for (int c = 0; c < m; c++) {
                    sum[target + c] += map[r * m + c];
                    covering[target + c]++;
                }
            }
        }
        float[] merged = new float[n * n];
        for (int k = 0; k < merged.length; k++) {
            merged[k] = covering[k] == 0 ? Float.NaN : (float) (sum[k] / covering[k]);
        }
        return merged;
    }

    private void checkWindowCount(List<float[]> perWindow) {
        if (perWindow.size() != windows.size()) {
            throw new IllegalArgumentException("expected outputs for " + windows.size() + " windows, got "
                    + perWindow.size());
        }
    }

    private void checkSize(int index, float[] values, long expected, String shape) {
        if (values.length != expected) {
            Window w = windows.get(index);
            throw new IllegalArgumentException("output of window " + index + " (residues " + w.start() + ".."
                    + (w.end() - 1) + ") must have shape (" + shape + ") = " + expected + " values, got "
                    + values.length);
        }
    }
}
