package org.esm2j.function.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.esm2j.InvalidInputException;
import org.esm2j.train.loss.BceWithLogitsLoss;
import org.esm2j.train.loss.PosWeights;
import org.esm2j.train.optim.AdamW;
import org.esm2j.train.optim.ParameterGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link FeedForwardProbe} on frozen embeddings: mini-batch AdamW on the mean BCE-with-logits loss (with
 * optional pos_weight for rare terms), early stopping on the validation loss with the best epoch's weights kept.
 * Deterministic for a given seed.
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

        FeedForwardProbe.ProbeShape shape = FeedForwardProbe.ProbeShape.of(d, options.hidden(), terms);
        SplittableRandom random = new SplittableRandom(options.seed());
        float[] params = initialParameters(shape, random);
        float[] grads = new float[params.length];
        float[] posWeight = options.posWeight() == null ? null
                : PosWeights.fromLabels(y, n, terms, options.posWeight(), options.maxPosWeight());
        BceWithLogitsLoss loss = new BceWithLogitsLoss(terms, posWeight);
        List<String> weights = new ArrayList<>();
        List<String> biases = new ArrayList<>();
        for (var e : shape.layout().entries()) {
            (e.name().endsWith(".bias") ? biases : weights).add(e.name());
        }
        AdamW optimizer = new AdamW(shape.layout(), List.of(
                new ParameterGroup("decay", weights, options.learningRate(), options.weightDecay()),
                new ParameterGroup("no_decay", biases, options.learningRate(), 0.0)));

        List<Epoch> history = new ArrayList<>();
        float[] best = params.clone();
        double bestLoss = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int epoch = 1; epoch <= options.maxEpochs(); epoch++) {
            shuffle(order, random);
            double lossSum = 0;
            for (int start = 0; start < n; start += options.batchSize()) {
                int rows = Math.min(options.batchSize(), n - start);
                float[] bx = gather(x, order, start, rows, d);
                float[] by = gather(y, order, start, rows, terms);
                lossSum += step(shape, params, grads, bx, by, rows, loss, options.dropout(), random) * rows;
                optimizer.step(params, grads);
            }
            double validationLoss = validate ? evaluate(shape, params, vx, vy, validationEmbeddings.length, loss)
                    : Double.NaN;
            history.add(new Epoch(epoch, lossSum / n, validationLoss));
            double criterion = validate ? validationLoss : -epoch; // without validation the latest epoch wins
            if (criterion < bestLoss) {
                bestLoss = criterion;
                bestEpoch = epoch;
                System.arraycopy(params, 0, best, 0, params.length);
            } else if (validate && epoch - bestEpoch >= options.patience()) {
                break;
            }
        }
        LOG.info("{} probe: best epoch {} of {} (validation loss {})", options.hidden() > 0 ? "MLP" : "logistic",
                bestEpoch, history.size(), validate ? String.format("%.4f", bestLoss) : "n/a");
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

    /** PyTorch's nn.Linear default: weights and biases uniform in +-1/sqrt(fan_in). */
    private static float[] initialParameters(FeedForwardProbe.ProbeShape shape, SplittableRandom random) {
        float[] p = new float[shape.layout().size()];
        for (var e : shape.layout().entries()) {
            boolean hiddenLayer = e.name().startsWith("hidden.");
            int fanIn = hiddenLayer ? shape.inputs() : shape.outInputs();
            double bound = 1 / Math.sqrt(fanIn);
            for (int i = e.offset(); i < e.end(); i++) {
                p[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
        }
        return p;
    }

    private static void shuffle(int[] a, SplittableRandom random) {
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
    static double step(FeedForwardProbe.ProbeShape s, float[] p, float[] grads, float[] x, float[] y,
            int rows, BceWithLogitsLoss loss, double dropout, SplittableRandom random) {
        int h = s.hidden();
        float[] mask = null;
        if (h > 0 && dropout > 0) {
            float keep = (float) (1 / (1 - dropout));
            mask = new float[rows * h];
            for (int i = 0; i < rows * h; i++) {
                mask[i] = random.nextDouble() < dropout ? 0f : keep;
            }
        }
        int t = s.terms();
        float[] logits = new float[rows * t];
        float[] hidden = new float[rows * h];
        FeedForwardProbe.forward(s, p, x, rows, mask, hidden, logits);
        float[] g = new float[rows * t];
        double value = loss.compute(logits, y, rows, g);

        java.util.Arrays.fill(grads, 0f);
        var layout = s.layout();
        float[] last = h > 0 ? hidden : x;
        int lastWidth = s.outInputs();
        int ow = layout.entry(FeedForwardProbe.OUT_WEIGHT).offset();
        int ob = layout.entry(FeedForwardProbe.OUT_BIAS).offset();
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < t; o++) {
                float go = g[r * t + o];
                grads[ob + o] += go;
                int wRow = ow + o * lastWidth;
                int inRow = r * lastWidth;
                for (int i = 0; i < lastWidth; i++) {
                    grads[wRow + i] += go * last[inRow + i];
                }
            }
        }
        if (h > 0) {
            float[] gh = new float[rows * h];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < t; o++) {
                    float go = g[r * t + o];
                    int wRow = ow + o * h;
                    for (int j = 0; j < h; j++) {
                        gh[r * h + j] += go * p[wRow + j];
                    }
                }
                for (int j = 0; j < h; j++) {
                    // hidden holds relu(z) * mask: zero exactly where the unit was inactive or dropped.
                    gh[r * h + j] = hidden[r * h + j] > 0 ? gh[r * h + j] * (mask == null ? 1f : mask[r * h + j]) : 0f;
                }
            }
            int hw = layout.entry(FeedForwardProbe.HIDDEN_WEIGHT).offset();
            int hb = layout.entry(FeedForwardProbe.HIDDEN_BIAS).offset();
            int d = s.inputs();
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < h; j++) {
                    float gj = gh[r * h + j];
                    if (gj == 0f) {
                        continue;
                    }
                    grads[hb + j] += gj;
                    int wRow = hw + j * d;
                    int inRow = r * d;
                    for (int i = 0; i < d; i++) {
                        grads[wRow + i] += gj * x[inRow + i];
                    }
                }
            }
        }
        return value;
    }

    /** Mean loss over a whole set, without dropout. */
    private static double evaluate(FeedForwardProbe.ProbeShape s, float[] p, float[] x, float[] y, int rows,
            BceWithLogitsLoss loss) {
        float[] logits = new float[rows * s.terms()];
        FeedForwardProbe.forward(s, p, x, rows, null, new float[rows * s.hidden()], logits);
        return loss.compute(logits, y, rows, new float[logits.length]);
    }
}
