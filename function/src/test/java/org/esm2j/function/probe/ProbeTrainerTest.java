package org.esm2j.function.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.esm2j.testing.NumericAssert;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.loss.BceWithLogitsLoss;
import org.junit.jupiter.api.Test;

class ProbeTrainerTest {
    /**
     * The gradient of one training step (head backward through the BCE loss) against central differences of the
     * loss. Each evaluation uses a fresh head with the same dropout seed, so every evaluation draws the same mask.
     */
    private static void checkGradient(int inputs, int hidden, int terms, float[] posWeight, double dropout) {
        FeedForwardProbe.Shape shape = FeedForwardProbe.Shape.of(inputs, hidden, terms);
        Random random = new Random(inputs * 31 + hidden);
        int rows = 4;
        float[] p = new float[shape.layout().size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) random.nextGaussian() * 0.5f;
        }
        float[] x = new float[rows * inputs];
        float[] y = new float[rows * terms];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = random.nextBoolean() ? 1f : 0f;
        }
        BceWithLogitsLoss loss = new BceWithLogitsLoss(terms, posWeight);
        float[] grads = new float[p.length];
        ProbeTrainer.step(shape.newHead(dropout, new SeededRandom(1)), shape, p, grads, x, y, rows, loss);
        float[] numeric = new float[p.length];
        float[] scratch = new float[p.length];
        double h = 1e-2;
        for (int i = 0; i < p.length; i++) {
            float saved = p[i];
            p[i] = (float) (saved + h);
            double up = ProbeTrainer.step(shape.newHead(dropout, new SeededRandom(1)), shape, p, scratch, x, y, rows,
                    loss);
            p[i] = (float) (saved - h);
            double down = ProbeTrainer.step(shape.newHead(dropout, new SeededRandom(1)), shape, p, scratch, x, y,
                    rows, loss);
            p[i] = saved;
            numeric[i] = (float) ((up - down) / (2 * h));
        }
        NumericAssert.assertClose("gradient (inputs " + inputs + ", hidden " + hidden + ", dropout " + dropout + ")",
                grads, numeric, 5e-5, 5e-3);
    }

    @Test
    void logisticRegressionGradientMatchesFiniteDifferences() {
        checkGradient(5, 0, 3, null, 0.0);
    }

    @Test
    void mlpGradientMatchesFiniteDifferences() {
        checkGradient(5, 4, 3, null, 0.0);
    }

    @Test
    void gradientWithPosWeightMatchesFiniteDifferences() {
        checkGradient(4, 3, 2, new float[] {3f, 0.5f}, 0.0);
    }

    @Test
    void mlpGradientWithDropoutMatchesFiniteDifferences() {
        checkGradient(6, 8, 3, null, 0.3);
    }

    /** Two-dimensional points labelled by the sign of each coordinate: a linear model separates both terms. */
    private static float[][] points(Random random, int n, boolean[][] labels) {
        float[][] x = new float[n][];
        for (int i = 0; i < n; i++) {
            float a = (float) random.nextGaussian();
            float b = (float) random.nextGaussian();
            x[i] = new float[] {a, b, (float) random.nextGaussian()};
            labels[i] = new boolean[] {a > 0, b > 0.5};
        }
        return x;
    }

    @Test
    void logisticRegressionLearnsALinearRuleAndIsDeterministic() {
        Random random = new Random(2);
        boolean[][] trainY = new boolean[200][];
        boolean[][] valY = new boolean[60][];
        boolean[][] testY = new boolean[100][];
        float[][] train = points(random, 200, trainY);
        float[][] val = points(random, 60, valY);
        float[][] test = points(random, 100, testY);
        ProbeTrainer.Result r = ProbeTrainer.train(train, trainY, val, valY, ProbeOptions.logisticRegression(9));
        int correct = 0;
        float[][] s = r.probe().scoreAll(test);
        for (int i = 0; i < test.length; i++) {
            for (int t = 0; t < 2; t++) {
                if ((s[i][t] >= 0.5f) == testY[i][t]) {
                    correct++;
                }
            }
        }
        assertTrue(correct >= 0.95 * 200, correct + " of 200 decisions correct");
        ProbeTrainer.Result again = ProbeTrainer.train(train, trainY, val, valY, ProbeOptions.logisticRegression(9));
        assertArrayEquals(s[0], again.probe().scoreAll(test)[0], "same seed, same probe");
        assertEquals("logreg", r.probe().kind());
    }

    @Test
    void earlyStoppingKeepsTheEpochWithTheLowestValidationLoss() {
        Random random = new Random(4);
        boolean[][] trainY = new boolean[40][];
        boolean[][] valY = new boolean[40][];
        float[][] train = points(random, 40, trainY);
        float[][] val = points(random, 40, valY);
        // Label noise on the small training set makes the MLP overfit, so validation loss turns up.
        for (int i = 0; i < trainY.length; i += 3) {
            trainY[i][0] = !trainY[i][0];
        }
        ProbeOptions options = new ProbeOptions(64, 0.0, 1e-2, 0.0, 8, 400, 10, null, 100, 3);
        ProbeTrainer.Result r = ProbeTrainer.train(train, trainY, val, valY, options);
        double best = r.history().stream().mapToDouble(ProbeTrainer.Epoch::validationLoss).min().orElseThrow();
        assertEquals(best, r.history().get(r.bestEpoch() - 1).validationLoss());
        assertEquals(r.bestEpoch() + options.patience(), r.history().size(), "stopped `patience` epochs later");
        assertTrue(r.history().size() < options.maxEpochs(), "stopped early");
        // The kept probe is the best epoch's: its validation loss is the recorded minimum.
        float[][] s = r.probe().scoreAll(val);
        double loss = 0;
        for (int i = 0; i < val.length; i++) {
            for (int t = 0; t < 2; t++) {
                double p = s[i][t];
                loss -= valY[i][t] ? Math.log(p) : Math.log(1 - p);
            }
        }
        assertEquals(best, loss / (val.length * 2), 1e-4);
    }
}
