package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;
import org.junit.jupiter.api.Test;

/**
 * Each backward operation on its own against central finite differences (step 1e-6) of a float64 reference of the
 * forward operation, for the scalar loss {@code sum(dy * y)} with a random dy, on awkward shapes; and the scalar and
 * Vector API twins of the new kernels bit for bit. Tolerance: |analytic - fd| <= 1e-5 * max(1, max|fd|) per tensor
 * (float32 gradients of float64-accurate operations are ~1e-7 off; the model-level test holds the README's 1e-4).
 */
class BackwardOpsTest {
    private static final double STEP = 1e-6;
    private static final double TOL = 1e-5;

    /** Central difference of f in x[i] (x is restored). */
    private static double centralDifference(double[] x, int i, DoubleSupplier f) {
        double saved = x[i];
        x[i] = saved + STEP;
        double up = f.getAsDouble();
        x[i] = saved - STEP;
        double down = f.getAsDouble();
        x[i] = saved;
        return (up - down) / (2 * STEP);
    }

    private static void assertMatchesFiniteDifferences(String what, float[] analytic, double[] x, int off, int count,
            DoubleSupplier loss) {
        float[] fd = new float[count];
        double maxRef = 0;
        for (int i = 0; i < count; i++) {
            fd[i] = (float) centralDifference(x, off + i, loss);
            maxRef = Math.max(maxRef, Math.abs(fd[i]));
        }
        NumericAssert.assertClose(what, Arrays.copyOf(analytic, count), fd, TOL * Math.max(1, maxRef), 0);
    }

    private static float[] gaussian(Random rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * scale);
        }
        return v;
    }

    private static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Test
    void geluDerivativeTwinsAgreeAndMatchDefinition() {
        Kernels vector = VectorKernels.create();
        float[] x = new float[3001];
        for (int i = 0; i < x.length; i++) {
            x[i] = -15f + 0.01f * i;
        }
        float[] scalarGrad = new float[x.length];
        float[] vectorGrad = new float[x.length];
        Arrays.fill(scalarGrad, 1f);
        Arrays.fill(vectorGrad, 1f);
        ScalarKernels.INSTANCE.geluBackward(x, 0, scalarGrad, 0, x.length);
        vector.geluBackward(x, 0, vectorGrad, 0, x.length);
        assertArrayEquals(scalarGrad, vectorGrad, "scalar and vector GELU derivative");
        // Phi(x) + x phi(x) in double, erf from the reference of the naive forward pass (2e-7 relative)
        float[] expected = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            expected[i] = (float) (0.5 * (1 + ReferenceErf.erf(v / Math.sqrt(2)))
                    + v * Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI));
        }
        NumericAssert.assertClose("gelu' vs Phi + x phi", scalarGrad, expected, 1e-6, 1e-6);
        // and central differences of x Phi(x) with erf from a 60-digit series (ErfTest), at scattered points
        double[] at = {-7.3, -3.1, -1.2, -0.5, -1e-3, 0, 0.37, 1.131, 2.5, 5.9};
        float[] points = new float[at.length];
        float[] grads = new float[at.length];
        float[] fd = new float[at.length];
        for (int i = 0; i < at.length; i++) {
            points[i] = (float) at[i];
            grads[i] = 1f;
            double v = points[i];
            double h = 1e-4;
            fd[i] = (float) ((exactGelu(v + h) - exactGelu(v - h)) / (2 * h));
        }
        ScalarKernels.INSTANCE.geluBackward(points, 0, grads, 0, points.length);
        NumericAssert.assertClose("gelu' vs finite differences of 60-digit gelu", grads, fd, 1e-6, 1e-6);
    }

    private static double exactGelu(double x) {
        BigDecimal erf = ErfTest.erfReference(x / Math.sqrt(2));
        return 0.5 * x * (1 + erf.doubleValue());
    }

    @Test
    void softmaxBackwardKernelTwinsAgree() {
        Random rnd = new Random(3);
        Kernels vector = VectorKernels.create();
        for (int n : new int[] {1, 7, 16, 37}) {
            float[] p = gaussian(rnd, n + 3, 1);
            float[] g = gaussian(rnd, n + 3, 1);
            float[] dot = gaussian(rnd, n, 1);
            float[] accS = gaussian(rnd, n, 1);
            float[] accV = accS.clone();
            ScalarKernels.INSTANCE.fmaInto(p, 3, g, 2, accS, n);
            vector.fmaInto(p, 3, g, 2, accV, n);
            assertArrayEquals(accS, accV, "fmaInto n=" + n);
            float[] gS = g.clone();
            float[] gV = g.clone();
            ScalarKernels.INSTANCE.softmaxBackward(p, 1, gS, 3, dot, n);
            vector.softmaxBackward(p, 1, gV, 3, dot, n);
            assertArrayEquals(gS, gV, "softmaxBackward n=" + n);
        }
    }

    @Test
    void layerNormBackwardMatchesFiniteDifferences() {
        Random rnd = new Random(7);
        for (int dim : new int[] {7, 64}) {
            int rows = 3;
            float[] x = gaussian(rnd, rows * dim, 2);
            for (int i = 0; i < dim; i++) {
                x[dim + i] += 100; // a large common offset in row 1
            }
            float[] params = new float[2 * dim]; // gain, then bias
            for (int i = 0; i < dim; i++) {
                params[i] = 1 + (float) rnd.nextGaussian() * 0.3f;
                params[dim + i] = (float) rnd.nextGaussian() * 0.1f;
            }
            float[] dy = gaussian(rnd, rows * dim, 1);
            float[] dx = new float[rows * dim];
            float[] grads = new float[2 * dim];
            double[] stats = new double[2 * rows];
            float[] normed = new float[rows * dim];
            LayerNorm.applyParallel(x, normed, rows, dim, params, 0, dim, 1e-5, stats);
            float[] refilled = new float[rows * dim];
            LayerNorm.applySavedParallel(x, refilled, rows, dim, params, 0, dim, stats);
            assertArrayEquals(normed, refilled, "the output from the saved row statistics");
            LayerNorm.backwardParallel(x, dy, dx, rows, dim, params, 0, stats, grads, 0, dim, new double[2 * dim]);
            double[] xd = widen(x);
            double[] pd = widen(params);
            DoubleSupplier loss = () -> {
                double[][] xr = new double[rows][dim];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(xd, r * dim, xr[r], 0, dim);
                }
                double[][] y = ReferenceTraining.layerNorm(xr, pd, 0, dim);
                double s = 0;
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i < dim; i++) {
                        s += dy[r * dim + i] * y[r][i];
                    }
                }
                return s;
            };
            assertMatchesFiniteDifferences("LayerNorm dim " + dim + " dx", dx, xd, 0, rows * dim, loss);
            assertMatchesFiniteDifferences("LayerNorm dim " + dim + " dgain", grads, pd, 0, dim, loss);
            assertMatchesFiniteDifferences("LayerNorm dim " + dim + " dbias", Arrays.copyOfRange(grads, dim, 2 * dim),
                    pd, dim, dim, loss);
        }
    }

    @Test
    void attentionBackwardMatchesFiniteDifferencesAndPackingChangesNothing() {
        int[] lengths = {5, 1, 8, 3};
        for (int[] shape : new int[][] {{2, 16}, {1, 64}}) {
            int heads = shape[0];
            int hd = shape[1];
            int d = heads * hd;
            Random rnd = new Random(hd);
            float[] invFreq = new float[hd / 2];
            for (int j = 0; j < invFreq.length; j++) {
                invFreq[j] = (float) Math.pow(10000, -2.0 * j / hd);
            }
            int[] offsets = new int[lengths.length];
            int n = 0;
            for (int b = 0; b < lengths.length; b++) {
                offsets[b] = n;
                n += lengths[b];
            }
            float[] qkv = gaussian(rnd, n * 3 * d, 1);
            float[] dOut = gaussian(rnd, n * d, 1);
            Rotary rotary = new Rotary(invFreq, 8);
            float[] dQkv = new float[qkv.length];
            new AttentionBackward(heads, hd).backward(qkv, offsets, lengths, rotary, dOut, dQkv);
            double[] qd = widen(qkv);
            String what = "attention H=" + heads + " hd=" + hd;
            for (int b = 0; b < lengths.length; b++) {
                int t = lengths[b];
                int row0 = offsets[b];
                DoubleSupplier loss = () -> {
                    double[][] q = new double[t][d];
                    double[][] k = new double[t][d];
                    double[][] v = new double[t][d];
                    for (int i = 0; i < t; i++) {
                        for (int e = 0; e < d; e++) {
                            q[i][e] = qd[(row0 + i) * 3 * d + e];
                            k[i][e] = qd[(row0 + i) * 3 * d + d + e];
                            v[i][e] = qd[(row0 + i) * 3 * d + 2 * d + e];
                        }
                    }
                    double[][] o = ReferenceTraining.attention(q, k, v, heads, hd, invFreq);
                    double s = 0;
                    for (int i = 0; i < t; i++) {
                        for (int e = 0; e < d; e++) {
                            s += dOut[(row0 + i) * d + e] * o[i][e];
                        }
                    }
                    return s;
                };
                int off = row0 * 3 * d;
                int count = t * 3 * d;
                assertMatchesFiniteDifferences(what + " T=" + t + " dq,dk,dv",
                        Arrays.copyOfRange(dQkv, off, off + count), qd, off, count, loss);
                // the sequence alone gives the same bits
                float[] aloneGrad = new float[count];
                new AttentionBackward(heads, hd).backward(Arrays.copyOfRange(qkv, off, off + count), new int[] {0},
                        new int[] {t}, rotary, Arrays.copyOfRange(dOut, row0 * d, (row0 + t) * d), aloneGrad);
                assertArrayEquals(Arrays.copyOfRange(dQkv, off, off + count), aloneGrad,
                        what + " T=" + t + ": packed vs alone");
            }
        }
    }

    /** Two stacked parts (as q, k, v are), a LoRA adapter with dropout 0.3 on the second. */
    @Test
    void linearWithLoraAndDropoutMatchesFiniteDifferences() {
        int rows = 5;
        int in = 7;
        int outEach = 6;
        int rank = 3;
        float scaling = 4f / rank;
        ParameterLayout layout = ParameterLayout.builder()
                .add("w0", new long[] {outEach, in}, true).add("b0", new long[] {outEach}, true)
                .add("w1", new long[] {outEach, in}, true).add("b1", new long[] {outEach}, true)
                .add("a", new long[] {rank, in}, true).add("b", new long[] {outEach, rank}, true).build();
        Random rnd = new Random(12);
        float[] params = gaussian(rnd, layout.size(), 0.5);
        float[] grads = new float[layout.size()];
        TrainableLinear.Adapter adapter = new TrainableLinear.Adapter(layout.entry("a"), layout.entry("b"), scaling,
                0.3f);
        TrainableLinear linear = new TrainableLinear(layout, params, new String[] {"w0", "w1"},
                new String[] {"b0", "b1"}, new TrainableLinear.Adapter[] {null, adapter}, new float[2 * outEach * in]);
        linear.refresh();
        TrainableLinear.Scratch scratch = new TrainableLinear.Scratch(rows, in, 2 * outEach, rank);
        TrainableLinear.AdapterActivations acts = new TrainableLinear.AdapterActivations(linear, rows);
        float[] x = gaussian(rnd, rows * in, 1);
        float[] y = new float[rows * 2 * outEach];
        linear.forward(x, rows, y, acts, 77, scratch);
        float[] keep = acts.keep[1];
        int dropped = 0;
        for (float k : keep) {
            dropped += k == 0 ? 1 : 0;
        }
        assertTrue(dropped > 0 && dropped < keep.length, "dropout dropped " + dropped + " of " + keep.length);
        float[] dy = gaussian(rnd, y.length, 1);
        float[] dx = new float[rows * in];
        linear.backward(x, rows, dy, dx, grads, acts, scratch);

        double[] xd = widen(x);
        double[] pd = widen(params);
        DoubleSupplier loss = () -> {
            double[][] xr = new double[rows][in];
            double[][] xk = new double[rows][in];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < in; i++) {
                    xr[r][i] = xd[r * in + i];
                    xk[r][i] = xd[r * in + i] * keep[r * in + i];
                }
            }
            double[][] y0 = ReferenceTraining.linear(xr, pd, layout.entry("w0"), layout.entry("b0").offset());
            double[][] y1 = ReferenceTraining.linear(xr, pd, layout.entry("w1"), layout.entry("b1").offset());
            double[][] up = ReferenceTraining.linear(ReferenceTraining.linear(xk, pd, layout.entry("a"), -1), pd,
                    layout.entry("b"), -1);
            double s = 0;
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < outEach; o++) {
                    s += dy[r * 2 * outEach + o] * y0[r][o];
                    s += dy[r * 2 * outEach + outEach + o] * (y1[r][o] + scaling * up[r][o]);
                }
            }
            return s;
        };
        assertMatchesFiniteDifferences("linear+LoRA dx", dx, xd, 0, rows * in, loss);
        for (ParameterEntry e : layout.entries()) {
            assertMatchesFiniteDifferences("linear+LoRA d" + e.name(),
                    Arrays.copyOfRange(grads, e.offset(), e.end()), pd, e.offset(), e.length(), loss);
        }
    }
}
