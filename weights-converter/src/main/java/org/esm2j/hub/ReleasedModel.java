package org.esm2j.hub;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import org.esm2j.model.Esm2Config;

/**
 * The six ESM-2 checkpoints Meta released with fair-esm, under the names fair-esm and its download URLs use. The same
 * weights are on the Hugging Face hub as {@code facebook/NAME}; a name written that way asks for that copy.
 */
public enum ReleasedModel {
    ESM2_T6_8M_UR50D("esm2_t6_8M_UR50D", 6, 320, 20),
    ESM2_T12_35M_UR50D("esm2_t12_35M_UR50D", 12, 480, 20),
    ESM2_T30_150M_UR50D("esm2_t30_150M_UR50D", 30, 640, 20),
    ESM2_T33_650M_UR50D("esm2_t33_650M_UR50D", 33, 1280, 20),
    ESM2_T36_3B_UR50D("esm2_t36_3B_UR50D", 36, 2560, 40),
    ESM2_T48_15B_UR50D("esm2_t48_15B_UR50D", 48, 5120, 40);

    /** The Hugging Face organisation that holds Meta's copies, with its separator. */
    public static final String HUGGING_FACE_PREFIX = "facebook/";

    private final String modelName;
    private final int numLayers;
    private final int embedDim;
    private final int attentionHeads;

    ReleasedModel(String modelName, int numLayers, int embedDim, int attentionHeads) {
        this.modelName = modelName;
        this.numLayers = numLayers;
        this.embedDim = embedDim;
        this.attentionHeads = attentionHeads;
    }

    /** The released name, e.g. {@code esm2_t33_650M_UR50D} (the enum constant's {@code name()} is upper case). */
    public String modelName() {
        return modelName;
    }

    public Esm2Config config() {
        return Esm2Config.of(numLayers, embedDim, attentionHeads);
    }

    /** Meta's checkpoint file, {@code NAME.pt}. */
    public String checkpointFileName() {
        return modelName + ".pt";
    }

    /** The contact-regression weights fair-esm expects beside the checkpoint, {@code NAME-contact-regression.pt}. */
    public String contactRegressionFileName() {
        return modelName + "-contact-regression.pt";
    }

    /** The Hugging Face repository of Meta's copy, {@code facebook/NAME}. */
    public String huggingFaceRepo() {
        return HUGGING_FACE_PREFIX + modelName;
    }

    /** Whether {@code name} asks for the Hugging Face copy ({@code facebook/NAME}) rather than Meta's {@code .pt}. */
    public static boolean isHuggingFaceName(String name) {
        return name != null && name.trim().regionMatches(true, 0, HUGGING_FACE_PREFIX, 0, HUGGING_FACE_PREFIX.length());
    }

    /**
     * The released model of that name, bare or as {@code facebook/NAME} (case does not matter), or empty for anything
     * else, such as a file path.
     */
    public static Optional<ReleasedModel> find(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String bare = isHuggingFaceName(name) ? name.trim().substring(HUGGING_FACE_PREFIX.length()) : name.trim();
        return Arrays.stream(values()).filter(m -> m.modelName.equalsIgnoreCase(bare)).findFirst();
    }

    /** The released model of that name; the error lists the valid names. */
    public static ReleasedModel fromName(String name) {
        return find(name).orElseThrow(() -> new HubException("unknown model name '" + name
                + "'; the released ESM-2 models are " + validNames() + ", each also as " + HUGGING_FACE_PREFIX
                + "NAME for the Hugging Face copy (for a checkpoint on disk pass its path instead)"));
    }

    public static String validNames() {
        return Arrays.stream(values()).map(ReleasedModel::modelName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return modelName;
    }
}
