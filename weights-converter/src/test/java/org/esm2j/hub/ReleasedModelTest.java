package org.esm2j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.esm2j.model.Esm2Config;
import org.junit.jupiter.api.Test;

class ReleasedModelTest {

    @Test
    void allSixReleasedNamesResolve() {
        for (String name : List.of("esm2_t6_8M_UR50D", "esm2_t12_35M_UR50D", "esm2_t30_150M_UR50D",
                "esm2_t33_650M_UR50D", "esm2_t36_3B_UR50D", "esm2_t48_15B_UR50D")) {
            ReleasedModel model = ReleasedModel.fromName(name);
            assertEquals(name, model.modelName());
            assertEquals(name + ".pt", model.checkpointFileName());
            assertEquals(name + "-contact-regression.pt", model.contactRegressionFileName());
        }
        assertEquals(6, ReleasedModel.values().length);
    }

    @Test
    void shapesAndParameterCountsMatchTheReleasedCheckpoints() {
        // Parameter counts from docs/MODEL_REFERENCE.md section 4 (tied embedding once, contact head included).
        assertShape(ReleasedModel.ESM2_T6_8M_UR50D, 6, 320, 20, 16, 7_512_474L);
        assertShape(ReleasedModel.ESM2_T12_35M_UR50D, 12, 480, 20, 24, 33_501_394L);
        assertShape(ReleasedModel.ESM2_T30_150M_UR50D, 30, 640, 20, 32, 148_140_154L);
        assertShape(ReleasedModel.ESM2_T33_650M_UR50D, 33, 1280, 20, 64, 651_043_254L);
        assertShape(ReleasedModel.ESM2_T36_3B_UR50D, 36, 2560, 40, 64, 2_839_005_634L);
        assertShape(ReleasedModel.ESM2_T48_15B_UR50D, 48, 5120, 40, 128, 15_129_100_194L);
    }

    private static void assertShape(ReleasedModel model, int layers, int dim, int heads, int headDim, long params) {
        Esm2Config config = model.config();
        assertEquals(layers, config.numLayers(), model + " layers");
        assertEquals(dim, config.embedDim(), model + " dim");
        assertEquals(heads, config.attentionHeads(), model + " heads");
        assertEquals(headDim, config.headDim(), model + " head dim");
        assertEquals(params, config.parameterCount(), model + " parameters");
    }

    @Test
    void nameMatchingIgnoresCaseAndSurroundingSpaceButNothingElse() {
        assertEquals(Optional.of(ReleasedModel.ESM2_T33_650M_UR50D), ReleasedModel.find(" ESM2_T33_650M_UR50D "));
        assertEquals(Optional.empty(), ReleasedModel.find("esm2_t33_650M_UR50D.pt"));
        assertEquals(Optional.empty(), ReleasedModel.find("/models/esm2_t33_650M_UR50D"));
        assertEquals(Optional.empty(), ReleasedModel.find(null));
    }

    @Test
    void unknownNameErrorListsEveryValidName() {
        HubException e = assertThrows(HubException.class, () -> ReleasedModel.fromName("esm2_t33_650M"));

        assertTrue(e.getMessage().contains("'esm2_t33_650M'"), e.getMessage());
        for (ReleasedModel model : ReleasedModel.values()) {
            assertTrue(e.getMessage().contains(model.modelName()), e.getMessage());
        }
    }
}
