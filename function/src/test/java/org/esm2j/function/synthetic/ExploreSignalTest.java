package org.esm2j.function.synthetic;

import java.util.ArrayList;
import java.util.List;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.data.LengthPolicy;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.function.baseline.NaiveFrequencyPredictor;
import org.esm2j.function.embed.MeanEmbedder;
import org.esm2j.function.probe.KnnLabelTransfer;
import org.esm2j.function.probe.PrototypeClassifier;
import org.esm2j.model.Esm2Model;
import org.esm2j.testing.Fixtures;
import org.junit.jupiter.api.Test;

class ExploreSignalTest {
    @Test
    void explore() {
        SyntheticFunctionTask task = SyntheticFunctionTask.standard(7);
        LoadedCheckpoint ckpt = CheckpointLoader.load(Fixtures.huggingFaceFolder(Fixtures.HEADS20));
        List<String> ids = new ArrayList<>();
        List<String> seqs = new ArrayList<>();
        for (var p : task.proteins()) {
            ids.add(p.id());
            seqs.add(p.sequence());
        }
        try (Esm2Model model = Esm2Model.load(ckpt.weights())) {
            for (int layer : new int[] {0, 1, 2}) {
                long t0 = System.nanoTime();
                MeanEmbedder e = new MeanEmbedder(model, ckpt.sourceSha256(), layer, LengthPolicy.defaults(), 4096,
                        UnknownResiduePolicy.ERROR);
                float[][] emb = e.embed(ids, seqs);
                long t1 = System.nanoTime();
                int n = emb.length;
                int cut = n * 3 / 4;
                float[][] tr = java.util.Arrays.copyOfRange(emb, 0, cut);
                float[][] te = java.util.Arrays.copyOfRange(emb, cut, n);
                boolean[][] ytr = new boolean[cut][];
                boolean[][] yte = new boolean[n - cut][];
                for (int i = 0; i < n; i++) {
                    if (i < cut) {
                        ytr[i] = task.proteins().get(i).terms();
                    } else {
                        yte[i - cut] = task.proteins().get(i).terms();
                    }
                }
                double naive = LocalMetrics.microAupr(NaiveFrequencyPredictor.fit(ytr).predict(n - cut), yte);
                double knn = LocalMetrics.microAupr(KnnLabelTransfer.fit(tr, ytr, 5).scoreAll(te), yte);
                double protoE = LocalMetrics.microAupr(
                        PrototypeClassifier.fit(tr, ytr, PrototypeClassifier.Metric.EUCLIDEAN).scoreAll(te), yte);
                double protoC = LocalMetrics.microAupr(
                        PrototypeClassifier.fit(tr, ytr, PrototypeClassifier.Metric.COSINE).scoreAll(te), yte);
                System.out.printf("layer %d embed %.1fs naive %.3f knn %.3f protoE %.3f protoC %.3f%n", layer,
                        (t1 - t0) / 1e9, naive, knn, protoE, protoC);
            }
        }
    }
}
