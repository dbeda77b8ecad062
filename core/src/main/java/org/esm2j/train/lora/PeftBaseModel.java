package org.esm2j.train.lora;

import java.util.List;

/**
 * The Hugging Face class a PEFT adapter was (or will be) attached to in Python. It fixes the path of the ESM encoder
 * inside the model ({@code esm.} for the task classes, nothing for the bare {@code EsmModel}), the {@code task_type}
 * PEFT records, and which head travels with the adapter as {@code modules_to_save}.
 */
public enum PeftBaseModel {
    /** The bare encoder; PEFT's {@code FEATURE_EXTRACTION}. */
    ESM_MODEL("EsmModel", "FEATURE_EXTRACTION", "", List.of(), List.of()),
    /** Continued masked-LM training; PEFT has no task type for it, so {@code task_type} is null (a plain PeftModel). */
    MASKED_LM("EsmForMaskedLM", null, "esm.", List.of(), List.of()),
    /**
     * {@code SEQ_CLS}: the classifier is Hugging Face's EsmClassificationHead (see
     * {@link org.esm2j.train.head.SequenceClassifier#huggingFace}); PEFT adds {@code classifier} and {@code score} to
     * {@code modules_to_save} for this task.
     */
    SEQUENCE_CLASSIFICATION("EsmForSequenceClassification", "SEQ_CLS", "esm.", List.of("classifier", "score"),
            List.of("classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight",
                    "classifier.out_proj.bias")),
    /** {@code TOKEN_CLS}: a linear {@code classifier} per residue ({@link org.esm2j.train.head.TokenClassifier}). */
    TOKEN_CLASSIFICATION("EsmForTokenClassification", "TOKEN_CLS", "esm.", List.of("classifier", "score"),
            List.of("classifier.weight", "classifier.bias"));

    private final String className;
    private final String taskType;
    private final String encoderPath;
    private final List<String> modulesToSave;
    private final List<String> headTensors;

    PeftBaseModel(String className, String taskType, String encoderPath, List<String> modulesToSave,
            List<String> headTensors) {
        this.className = className;
        this.taskType = taskType;
        this.encoderPath = encoderPath;
        this.modulesToSave = modulesToSave;
        this.headTensors = headTensors;
    }

    /** The transformers class name, e.g. {@code EsmForSequenceClassification}. */
    public String className() {
        return className;
    }

    /** PEFT's {@code task_type} for this class, or null. */
    public String taskType() {
        return taskType;
    }

    /** Where the ESM encoder sits inside the model: {@code esm.} or empty. */
    public String encoderPath() {
        return encoderPath;
    }

    /** The {@code modules_to_save} PEFT writes for this class. */
    public List<String> modulesToSave() {
        return modulesToSave;
    }

    /** The head's tensors, under the names the Hugging Face class and esm2j's heads share; empty without a head. */
    public List<String> headTensors() {
        return headTensors;
    }

    /**
     * The class an adapter read from disk belongs to: its {@code task_type} picks a classifier class; otherwise keys
     * under {@code esm.} mean EsmForMaskedLM and bare encoder keys EsmModel.
     */
    static PeftBaseModel of(String taskType, boolean underEsm) {
        if (underEsm) {
            for (PeftBaseModel m : values()) {
                if (m.headTensors.size() > 0 && m.taskType.equals(taskType)) {
                    return m;
                }
            }
            return MASKED_LM;
        }
        return ESM_MODEL;
    }
}
