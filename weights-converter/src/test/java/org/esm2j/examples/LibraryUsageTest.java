package org.esm2j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.esm2j.backend.Esm2Model;
import org.esm2j.checkpoint.CheckpointLoader;
import org.esm2j.checkpoint.LoadedCheckpoint;
import org.esm2j.data.Alphabet;
import org.esm2j.data.UnknownResiduePolicy;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.esm2j.testing.Fixtures;
import org.esm2j.testing.Golden;
import org.esm2j.testing.NumericAssert;
import org.junit.jupiter.api.Test;

/**
 * The low-level library path (checkpoint, framed tokens, forward request) checked against the golden outputs; the
 * README's examples themselves are compiled and run by the api module's ReadmeExamplesTest.
 */
class LibraryUsageTest {
    @Test
    void readmeExampleGivesTheReferenceLastLayerAndContacts() {
        Golden golden = Golden.of(Fixtures.TINY);
        String sequence = golden.sequences().get(2);

        LoadedCheckpoint ckpt = CheckpointLoader.load(Fixtures.metaCheckpoint(Fixtures.TINY));
        try (Esm2Model model = Esm2Model.load(ckpt.weights())) {
            int[] tokens = Alphabet.frame(Alphabet.encode(sequence, "query", UnknownResiduePolicy.ERROR));
            ForwardResult out = model.forward(List.of(tokens), ForwardRequest.builder()
                    .representations(ForwardRequest.resolveLayers(List.of(-1), model.config().numLayers()))
                    .logits(true).contacts(true).build());
            float[] lastLayer = out.representation(model.config().numLayers(), 0);
            float[] contacts = out.contacts(0);

            assertEquals(sequence.length() + 2, out.tokenCount(0));
            NumericAssert.assertClose("last layer", lastLayer, golden.floats("s2.repr." + golden.numLayers()),
                    1e-4, 1e-4);
            NumericAssert.assertClose("contacts", contacts, golden.floats("s2.contacts"), 1e-5, 0);
        }
    }
}
