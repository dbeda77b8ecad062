package org.esm2j.function.predictor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.esm2j.InvalidInputException;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.data.LengthPolicy;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.function.embed.MeanEmbedder;
import org.esm2j.function.labels.LabelVocabulary;
import org.esm2j.function.probe.EmbeddingHead;
import org.esm2j.function.probe.KnnLabelTransfer;
import org.esm2j.function.probe.ProbeOptions;
import org.esm2j.function.probe.ProbeTrainer;
import org.esm2j.function.probe.PrototypeClassifier;
import org.esm2j.function.synthetic.SyntheticFunctionTask;
import org.esm2j.backend.Esm2Model;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FunctionPredictorTest {
    private static LoadedCheckpoint checkpoint;
    private static Esm2Model model;
    private static MeanEmbedder embedder;
    private static SyntheticFunctionTask task;
    private static List<String> ids = new ArrayList<>();
    private static List<String> sequences = new ArrayList<>();
    private static float[][] embeddings;
    private static boolean[][] labels;
    private static LabelVocabulary vocabulary;

    @BeforeAll
    static void setUp() {
        checkpoint = CheckpointLoader.load(Fixtures.huggingFaceFolder(Fixtures.HEADS20));
        model = Esm2Model.load(checkpoint.weights());
        embedder = new MeanEmbedder(model, checkpoint.sourceSha256(), -1, LengthPolicy.defaults(), 4096,
                UnknownResiduePolicy.MAP_TO_X);
        task = SyntheticFunctionTask.generate(3, 4, 6, 4, 1, 3);
        for (SyntheticFunctionTask.Protein p : task.proteins()) {
            ids.add(p.id());
            sequences.add(p.sequence());
        }
        embeddings = embedder.embed(ids, sequences);
        labels = task.proteins().stream().map(SyntheticFunctionTask.Protein::terms).toArray(boolean[][]::new);
        vocabulary = LabelVocabulary.of(task.termNames(), term -> "motif " + term);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    private static TrainedPredictor predictor(EmbeddingHead head) {
        float[] thresholds = TrainedPredictor.uniformThresholds(head.termCount(), 0.5f);
        thresholds[0] = 0.25f;
        return new TrainedPredictor(head, embedder.spec(), "esm2_L2_D320_H20/hf", vocabulary, thresholds,
                Provenance.now(17, Map.of("train_fasta", "ab".repeat(32))));
    }

    private static List<EmbeddingHead> everyKindOfHead() {
        return List.of(ProbeTrainer.train(embeddings, labels, new float[0][], new boolean[0][],
                        new ProbeOptions(0, 0.0, 1e-2, 1e-2, 8, 5, 1, null, 100, 1)).probe(),
                ProbeTrainer.train(embeddings, labels, new float[0][], new boolean[0][],
                        new ProbeOptions(16, 0.1, 1e-2, 1e-2, 8, 5, 1, null, 100, 1)).probe(),
                KnnLabelTransfer.fit(embeddings, labels, 3),
                PrototypeClassifier.fit(embeddings, labels, PrototypeClassifier.Metric.COSINE));
    }

    @Test
    void everyHeadKindSurvivesTheRoundTripBitForBit(@TempDir Path dir) {
        for (EmbeddingHead head : everyKindOfHead()) {
            Path saved = dir.resolve(head.kind());
            TrainedPredictor original = predictor(head);
            PredictorDirectory.write(saved, original);
            TrainedPredictor back = PredictorDirectory.read(saved);
            assertEquals(head.kind(), back.head().kind());
            assertEquals(original.embedding(), back.embedding());
            assertEquals(original.provenance(), back.provenance());
            assertTrue(back.provenance().esm2jVersion().matches("\\d+\\.\\d+\\.\\d+.*"),
                    "the build's version, got " + back.provenance().esm2jVersion());
            assertEquals(vocabulary.labels(), back.vocabulary().labels());
            assertEquals("motif " + task.termNames().get(1), back.vocabulary().name(1));
            assertArrayEquals(original.thresholds(), back.thresholds());
            for (int i = 0; i < embeddings.length; i += 5) {
                assertArrayEquals(head.score(embeddings[i]), back.head().score(embeddings[i]),
                        head.kind() + " protein " + i);
            }
        }
    }

    @Test
    void theApiScoresSequencesAsTheHeadScoresTheirEmbeddings(@TempDir Path dir) {
        EmbeddingHead head = everyKindOfHead().get(1);
        Path saved = dir.resolve("mlp");
        PredictorDirectory.write(saved, predictor(head));
        try (FunctionPredictor predictor = FunctionPredictor.load(saved,
                Fixtures.huggingFaceFolder(Fixtures.HEADS20))) {
            float[][] scores = predictor.scores(ids, sequences);
            for (int i = 0; i < ids.size(); i++) {
                assertArrayEquals(head.score(embeddings[i]), scores[i], "protein " + ids.get(i));
            }
            List<TermScore> one = predictor.predict(sequences.get(0));
            assertEquals(vocabulary.size(), one.size());
            for (int k = 1; k < one.size(); k++) {
                assertTrue(one.get(k - 1).score() >= one.get(k).score(), "sorted by score");
            }
            for (TermScore s : one) {
                int t = vocabulary.indexOf(s.term());
                assertEquals(scores[0][t], s.score());
                assertEquals(s.score() >= (t == 0 ? 0.25f : 0.5f), s.predicted(), s.toString());
                assertEquals("motif " + s.term(), s.name());
            }
        }
    }

    @Test
    void concurrentCallersGetTheSameScoresAsOneCaller(@TempDir Path dir) throws Exception {
        Path saved = dir.resolve("knn");
        PredictorDirectory.write(saved, predictor(KnnLabelTransfer.fit(embeddings, labels, 3)));
        try (FunctionPredictor predictor = FunctionPredictor.load(saved, model, checkpoint.sourceSha256())) {
            List<List<TermScore>> expected = new ArrayList<>();
            for (String s : sequences) {
                expected.add(predictor.predict(s));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int thread = 0; thread < 4; thread++) {
                    int offset = thread;
                    results.add(pool.submit(() -> {
                        for (int k = 0; k < sequences.size(); k++) {
                            int i = (k + offset * 5) % sequences.size();
                            if (!expected.get(i).equals(predictor.predict(sequences.get(i)))) {
                                return false;
                            }
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> r : results) {
                    assertTrue(r.get(), "a thread saw different scores");
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void anotherBaseModelIsRefusedNamingBothDigests(@TempDir Path dir) {
        Path saved = dir.resolve("knn");
        PredictorDirectory.write(saved, predictor(KnnLabelTransfer.fit(embeddings, labels, 3)));
        Path other = Fixtures.huggingFaceFolder(Fixtures.HEAD_DIM64);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> FunctionPredictor.load(saved, other));
        String otherDigest = CheckpointLoader.load(other).sourceSha256();
        assertTrue(e.getMessage().contains(checkpoint.sourceSha256()) && e.getMessage().contains(otherDigest)
                && e.getMessage().contains("trained on base model 'esm2_L2_D320_H20/hf'"), e.getMessage());
    }

    @Test
    void anExistingDirectoryIsNotOverwrittenAndDamageIsNamed(@TempDir Path dir) throws Exception {
        Path saved = dir.resolve("p");
        TrainedPredictor p = predictor(KnnLabelTransfer.fit(embeddings, labels, 3));
        PredictorDirectory.write(saved, p);
        assertThrows(InvalidInputException.class, () -> PredictorDirectory.write(saved, p));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary folder left behind");
        }
        Path thresholds = saved.resolve(PredictorDirectory.THRESHOLDS);
        List<String> lines = new ArrayList<>(Files.readAllLines(thresholds));
        String second = lines.get(2);
        lines.set(2, lines.get(1));
        lines.set(1, second);
        Files.write(thresholds, lines);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> PredictorDirectory.read(saved));
        assertTrue(e.getMessage().contains("thresholds.tsv:2"), e.getMessage());

        Files.delete(saved.resolve(PredictorDirectory.CONFIG));
        e = assertThrows(InvalidInputException.class, () -> PredictorDirectory.read(saved));
        assertTrue(e.getMessage().contains("no predictor.json"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("missing")));
        assertThrows(InvalidInputException.class, () -> PredictorDirectory.read(dir.resolve("missing")));
    }
}
