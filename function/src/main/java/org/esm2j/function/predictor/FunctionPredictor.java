package org.esm2j.function.predictor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.esm2j.InvalidInputException;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.function.embed.EmbeddingSpec;
import org.esm2j.function.embed.MeanEmbedder;
import org.esm2j.function.embed.ProteinEmbedder;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.backend.Esm2Model;

/**
 * A trained function predictor ready to score sequences: the base ESM-2 model, the embedding it was trained on, and
 * its head, label vocabulary and thresholds. The Java entry point for other JVM tools:
 *
 * <pre>{@code
 * try (FunctionPredictor predictor = FunctionPredictor.load(Path.of("my-predictor"), Path.of("esm2_t12_35M.pt"))) {
 *     for (TermScore s : predictor.predict("MKTAYIAKQRQISFVKSHFSRQ")) {
 *         if (s.predicted()) System.out.println(s.term() + " " + s.name() + " " + s.score());
 *     }
 * }
 * }</pre>
 *
 * Loading checks that the base model is the one the predictor was trained on (SHA-256 of the weight files) and refuses
 * any other with a message naming both. A fine-tuned predictor (see {@link PredictorBackbone}) scores with its own
 * network: the fine-tuned backbone, or the base model with its LoRA adapters folded in. Thread-safe: any number of
 * threads may call {@link #predict} and {@link #scores} at once (the model's forward pass and the head only read their weights).
 */
public final class FunctionPredictor implements AutoCloseable {
    private final TrainedPredictor predictor;
    private final Esm2Model model;
    private final boolean ownsModel;
    private final ProteinEmbedder embedder;

    private FunctionPredictor(TrainedPredictor predictor, Esm2Model model, boolean ownsModel, int tokensPerBatch) {
        EmbeddingSpec spec = predictor.embedding();
        if (model.config().embedDim() != predictor.head().inputDimension()) {
            throw new InvalidInputException("the base model has dimension " + model.config().embedDim()
                    + " but the predictor's head reads " + predictor.head().inputDimension());
        }
        this.predictor = predictor;
        this.model = model;
        this.ownsModel = ownsModel;
        this.embedder = new MeanEmbedder(model, spec.modelDigest(), spec.layer(), spec.lengthPolicy(), tokensPerBatch,
                UnknownResiduePolicy.MAP_TO_X);
    }

    /**
     * Loads the predictor directory and its base model from {@code baseModel} (any checkpoint layout
     * {@link CheckpointLoader} reads), into the default backend; a fine-tuned predictor scores with its fine-tuned
     * backbone or with the base model plus its LoRA adapters. The model is closed with the predictor.
     *
     * @throws InvalidInputException when the checkpoint is not the predictor's base model
     */
    public static FunctionPredictor load(Path predictorDir, Path baseModel) {
        TrainedPredictor predictor = PredictorDirectory.read(predictorDir);
        return of(predictor, CheckpointLoader.load(baseModel), "predictor " + predictorDir, baseModel.toString(),
                MeanEmbedder.DEFAULT_TOKENS_PER_BATCH);
    }

    /**
     * A predictor held in memory (one just trained, say) on its base model, scoring exactly as the same predictor
     * read back from its directory does.
     *
     * @param name names the predictor in messages
     * @param tokensPerBatch tokens per forward pass
     * @throws InvalidInputException when {@code base} is not the predictor's base model
     */
    public static FunctionPredictor of(TrainedPredictor predictor, LoadedCheckpoint base, String name,
            int tokensPerBatch) {
        return of(predictor, base, name, "the given model", tokensPerBatch);
    }

    private static FunctionPredictor of(TrainedPredictor predictor, LoadedCheckpoint base, String name,
            String baseName, int tokensPerBatch) {
        checkBaseModel(predictor, name, base.sourceSha256(), baseName);
        Esm2Model model = Esm2Model.load(predictor.backbone().weights(base.weights()));
        try {
            return new FunctionPredictor(predictor, model, true, tokensPerBatch);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Uses a model the caller has loaded (and keeps open and closes), e.g. one shared by several predictors; only for
     * predictors on frozen embeddings, since a fine-tuned predictor needs a network of its own.
     *
     * @param modelDigest the model's {@link LoadedCheckpoint#sourceSha256()}
     */
    public static FunctionPredictor load(Path predictorDir, Esm2Model model, String modelDigest) {
        TrainedPredictor predictor = PredictorDirectory.read(predictorDir);
        checkBaseModel(predictor, "predictor " + predictorDir, modelDigest, "the given model");
        if (!(predictor.backbone() instanceof PredictorBackbone.Frozen)) {
            throw new InvalidInputException("predictor " + predictorDir + " has a " + predictor.backbone().kind()
                    + " backbone, which a shared base model cannot score with; load it with "
                    + "FunctionPredictor.load(directory, baseModelPath)");
        }
        return new FunctionPredictor(predictor, model, false, MeanEmbedder.DEFAULT_TOKENS_PER_BATCH);
    }

    private static void checkBaseModel(TrainedPredictor predictor, String name, String digest, String what) {
        String expected = predictor.embedding().modelDigest();
        if (!expected.equals(digest)) {
            throw new InvalidInputException(name + " was trained on base model '" + predictor.baseModelSource()
                    + "' (weights sha256 " + expected + "), but " + what + " has weights sha256 " + digest
                    + "; load the predictor with the model it was trained on");
        }
    }

    public TrainedPredictor predictor() {
        return predictor;
    }

    public LabelVocabulary vocabulary() {
        return predictor.vocabulary();
    }

    /** Scores of every term for each sequence: row i, column t is sequence i's score for label t. */
    public float[][] scores(List<String> ids, List<String> sequences) {
        return predictor.head().scoreAll(embedder.embed(ids, sequences));
    }

    /** Every term's score for one sequence, highest first, each marked predicted at its threshold. */
    public List<TermScore> predict(String sequence) {
        return predict(List.of("sequence"), List.of(sequence)).get(0);
    }

    /** As {@link #predict(String)} for many sequences at once (batched through the model). */
    public List<List<TermScore>> predict(List<String> ids, List<String> sequences) {
        float[][] scores = scores(ids, sequences);
        LabelVocabulary vocabulary = predictor.vocabulary();
        float[] thresholds = predictor.thresholds();
        List<List<TermScore>> out = new ArrayList<>(scores.length);
        for (float[] row : scores) {
            List<TermScore> terms = new ArrayList<>(row.length);
            for (int t = 0; t < row.length; t++) {
                terms.add(new TermScore(vocabulary.label(t), vocabulary.name(t), row[t], row[t] >= thresholds[t]));
            }
            terms.sort(Comparator.comparingDouble((TermScore s) -> -s.score()).thenComparing(TermScore::term));
            out.add(terms);
        }
        return out;
    }

    @Override
    public void close() {
        if (ownsModel) {
            model.close();
        }
    }
}
