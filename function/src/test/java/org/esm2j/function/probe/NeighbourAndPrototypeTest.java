package org.esm2j.function.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NeighbourAndPrototypeTest {
    @Test
    void knnVotesAreSimilarityWeightedAmongTheTopK() {
        float[][] refs = {{1, 0}, {0, 1}, {1, 1}};
        boolean[][] labels = {{true, false}, {false, true}, {true, true}};
        KnnLabelTransfer knn = KnnLabelTransfer.fit(refs, labels, 2);
        // Query (1, 0.1): cosines 1/|q| with (1,0), 1.1/(|q| sqrt 2) with (1,1), 0.1/|q| with (0,1); top 2 are the
        // first and third.
        double q = Math.sqrt(1.01);
        double s1 = 1 / q;
        double s3 = 1.1 / (q * Math.sqrt(2));
        float[] scores = knn.score(new float[] {1f, 0.1f});
        assertEquals(1.0, scores[0], 1e-6, "both neighbours carry term 0");
        assertEquals(s3 / (s1 + s3), scores[1], 1e-6);
    }

    @Test
    void knnIgnoresDissimilarNeighbours() {
        KnnLabelTransfer knn = KnnLabelTransfer.fit(new float[][] {{1, 0}, {0, 1}},
                new boolean[][] {{true}, {true}}, 2);
        assertArrayEquals(new float[] {0f}, knn.score(new float[] {-1, -1}), "negative cosines carry no vote");
    }

    @Test
    void prototypesAreClassMeansScoredBySoftmaxOverNegativeDistances() {
        float[][] support = {{0, 0}, {2, 0}, {0, 4}};
        boolean[][] labels = {{true, false, false}, {true, false, false}, {false, true, false}};
        PrototypeClassifier euclidean = PrototypeClassifier.fit(support, labels,
                PrototypeClassifier.Metric.EUCLIDEAN, 1.0);
        // Prototypes (1, 0) and (0, 4); query (1, 1): squared distances 1 and 10.
        float[] s = euclidean.score(new float[] {1, 1});
        double a = 1 / (1 + Math.exp(-9));
        assertEquals(a, s[0], 1e-6);
        assertEquals(1 - a, s[1], 1e-6);
        assertEquals(0f, s[2], "a term without support scores 0");

        PrototypeClassifier cosine = PrototypeClassifier.fit(support, labels, PrototypeClassifier.Metric.COSINE,
                0.5);
        // Cosine distances of (1, 1) to (1, 0) and (0, 4) are both 1 - 1/sqrt 2: equal scores.
        float[] c = cosine.score(new float[] {1, 1});
        assertEquals(0.5, c[0], 1e-6);
        assertEquals(0.5, c[1], 1e-6);
    }

    @Test
    void automaticTemperatureIsTheMeanDistanceToOwnPrototypes() {
        float[][] support = {{0, 0}, {2, 0}, {0, 4}};
        boolean[][] labels = {{true, false}, {true, false}, {false, true}};
        // Squared distances to own prototypes: 1, 1, 0 -> mean 2/3.
        assertEquals(2.0 / 3, PrototypeClassifier.fit(support, labels, PrototypeClassifier.Metric.EUCLIDEAN)
                .temperature(), 1e-9);
    }
}
