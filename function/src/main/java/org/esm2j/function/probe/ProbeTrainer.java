package org.esm2j.function.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.train.SeededRandom;
import org.esm2j.train.head.Head;
import org.esm2j.train.loss.BceWithLogitsLoss;
import org.esm2j.train.loss.PosWeights;
import org.esm2j.train.optim.AdamW;
import org.esm2j.train.optim.ParameterGroups;
import org.esm2j.train.schedule.EarlyStopping;
import org.esm2j.train.schedule.MetricMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link FeedForwardProbe} on frozen embeddings with the training engine's parts: its linear or MLP head,
 * mini-batch AdamW (no decay on biases) on the mean BCE-with-logits loss (with optional pos_weight for rare terms),
 * and early stopping on the validation loss with the best epoch's weights kept. Deterministic for a given seed.
 */
public final class ProbeTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeTrainer.class);

    private ProbeTrainer() {
    }

    /** One epoch's mean training loss and validation loss (NaN without a validation set). */
    public record Epoch(int epoch, double trainLoss, double validationLoss) {
    }

    /** The probe (weights of the best epoch) and the loss curve. */
    public record Result(FeedForwardProbe probe, List<Epoch> history, int bestEpoch) {
    }

    /**
     * @param validationEmbeddings may be empty (then every epoch up to {@code maxEpochs} runs and the last is kept)
     */
    public static Result train(float[][] trainEmbeddings, boolean[][] trainLabels, float[][] validationEmbeddings,
            boolean[][] validationLabels, ProbeOptions options) {
        int d = Vectors.checkTrainingSet(trainEmbeddings, trainLabels);
        int terms = trainLabels[0].length;
        boolean validate = validationEmbeddings.length > 0;
        if (validate) {
            Vectors.checkTrainingSet(validationEmbeddings, validationLabels);
            if (validationEmbeddings[0].length != d || validationLabels[0].length != terms) {
                throw new InvalidInputException("validation set has " + validationEmbeddings[0].length
                        + " features and " + validationLabels[0].length + " terms; training has " + d + " and "
                        + terms);
            }
        }
        int n = trainEmbeddings.length;
        float[] mean = new float[d];
        float[] scale = new float[d];
        standardisation(trainEmbeddings, mean, scale);
        float[] x = standardisedRows(trainEmbeddings, mean, scale);
        float[] y = Vectors.toFloats(trainLabels, terms);
        float[] vx = validate ? standardisedRows(validationEmbeddings, mean, scale) : null;
        float[] vy = validate ? Vectors.toFloats(validationLabels, terms) : null;

        FeedForwardProbe.Shape shape = FeedForwardProbe.Shape.of(d, options.hidden(), terms);
        SeededRandom random = new SeededRandom(options.seed());
        Head head = shape.newHead(options.dropout(), random);
        float[] params = new float[shape.layout().size()];
        head.initialize(shape.layout(), params, random);
        float[] grads = new float[params.length];
        float[] posWeight = options.posWeight() == null ? null
                : PosWeights.fromLabels(y, n, terms, options.posWeight(), options.maxPosWeight());
        BceWithLogitsLoss loss = new BceWithLogitsLoss(terms, posWeight);
        AdamW optimizer = new AdamW(shape.layout(), ParameterGroups.noDecayOnBiasAndLayerNorm(shape.layout(),
                options.learningRate(), options.weightDecay()));

        EarlyStopping stopping = new EarlyStopping(MetricMode.MIN, options.patience(), 0.0);
        List<Epoch> history = new ArrayList<>();
        float[] best = params.clone();
        int bestEpoch = 0;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int epoch = 1; epoch <= options.maxEpochs(); epoch++) {
            shuffle(order, random);
            head.setTraining(true);
            double lossSum = 0;
            for (int start = 0; start < n; start += options.batchSize()) {
                int rows = Math.min(options.batchSize(), n - start);
                float[] bx = gather(x, order, start, rows, d);
                float[] by = gather(y, order, start, rows, terms);
                lossSum += step(head, shape, params, grads, bx, by, rows, loss) * rows;
                optimizer.step(params, grads);
            }
            history.add(new Epoch(epoch, lossSum / n, validate
                    ? evaluate(head, shape, params, vx, vy, validationEmbeddings.length, loss) : Double.NaN));
            // Without a validation set every epoch counts as an improvement, so the last one is kept.
            boolean stop = stopping.update(validate ? history.get(epoch - 1).validationLoss() : -epoch);
            if (stopping.lastImproved()) {
                bestEpoch = epoch;
                System.arraycopy(params, 0, best, 0, params.length);
            }
            if (stop) {
                break;
            }
        }
        LOG.info("{} probe: best epoch {} of {} (validation loss {})", options.hidden() > 0 ? "MLP" : "logistic",
                bestEpoch, history.size(), validate ? String.format("%.4f", stopping.best()) : "n/a");
        Map<String, Object> config = options.toMap();
        return new Result(new FeedForwardProbe(shape, best, mean, scale, config), List.copyOf(history), bestEpoch);
    }

    /** Per-feature mean and 1/std over the training set (a constant feature gets scale 1). */
    private static void standardisation(float[][] rows, float[] mean, float[] scale) {
        int d = mean.length;
        double[] sum = new double[d];
        double[] sq = new double[d];
        for (float[] r : rows) {
            for (int c = 0; c < d; c++) {
                sum[c] += r[c];
                sq[c] += (double) r[c] * r[c];
            }
        }
        for (int c = 0; c < d; c++) {
            double m = sum[c] / rows.length;
            double var = Math.max(0, sq[c] / rows.length - m * m);
            mean[c] = (float) m;
            scale[c] = var > 1e-12 ? (float) (1 / Math.sqrt(var)) : 1f;
        }
    }

    private static float[] standardisedRows(float[][] rows, float[] mean, float[] scale) {
        int d = mean.length;
        float[] out = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(FeedForwardProbe.standardise(rows[i], mean, scale), 0, out, i * d, d);
        }
        return out;
    }

    private static void shuffle(int[] a, SeededRandom random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Rows {@code order[start .. start + rows)} of a row-major (n, width) array, gathered into a new array. */
    private static float[] gather(float[] all, int[] order, int start, int rows, int width) {
        float[] out = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(all, order[start + r] * width, out, r * width, width);
        }
        return out;
    }

    /** Forward, loss and backward for one batch; fills {@code grads}; returns the batch's mean loss. */
    static double step(Head head, FeedForwardProbe.Shape shape, float[] params, float[] grads, float[] x, float[] y,
            int rows, BceWithLogitsLoss loss) {
        float[] logits = head.forward(shape.layout(), params, x, rows);
        float[] dLogits = new float[logits.length];
        double value = loss.compute(logits, y, rows, dLogits);
        Arrays.fill(grads, 0f);
        head.backward(shape.layout(), params, grads, dLogits, new float[x.length]);
        return value;
    }

    /** Mean loss over a whole set, without dropout. */
    private static double evaluate(Head head, FeedForwardProbe.Shape shape, float[] params, float[] x, float[] y,
            int rows, BceWithLogitsLoss loss) {
        head.setTraining(false);
        float[] logits = head.forward(shape.layout(), params, x, rows);
        return loss.compute(logits, y, rows, new float[logits.length]);
    }
}
