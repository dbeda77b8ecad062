package org.esm2j.function.finetune;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.esm2j.InvalidInputException;
import org.esm2j.io.Json;

/**
 * The settings of one {@code esm2j finetune} run: built-in defaults, then a config file, then command-line flags, each
 * later source overriding the earlier. A config file is either JSON (a flat object; the file starts with {@code &#123;})
 * or Java properties ({@code key = value} lines); both use the same keys, listed in {@link #KEYS}. Relative paths in
 * a file are resolved against the file's folder, so a config file travels with its inputs; relative paths from flags
 * are resolved against the working directory.
 *
 * <p>Every error names the key and where its value came from: an unknown key (with the closest known one), a value of
 * the wrong type, a choice outside the allowed set, a missing required key.
 */
public final class FinetuneConfig {
    /** What a key's value must be. */
    public enum Type {
        PATH, TEXT, INTEGER, NUMBER, BOOLEAN, CHOICE
    }

    /**
     * One setting.
     *
     * @param name the key, in snake_case
     * @param type the value's type
     * @param defaultValue the value when no source sets it ({@code null}: unset)
     * @param choices the allowed values of a {@link Type#CHOICE}
     * @param description one line for the documentation and {@code --help}
     */
    public record Key(String name, Type type, String defaultValue, List<String> choices, String description) {
        static Key of(String name, Type type, String defaultValue, String description) {
            return new Key(name, type, defaultValue, List.of(), description);
        }

        static Key choice(String name, String defaultValue, List<String> choices, String description) {
            return new Key(name, Type.CHOICE, defaultValue, choices, description);
        }
    }

    /** What is trained: a head on frozen embeddings, or the backbone (whole or through LoRA) with a head. */
    public static final String MODE = "mode";
    /** Modes that train through the training engine, backbone and head together. */
    public static final List<String> BACKBONE_MODES = List.of("finetune", "lora");
    public static final List<Key> KEYS = List.of(
            Key.of("model", Type.PATH, null, "base ESM-2 checkpoint (fair-esm .pt, Hugging Face folder, esm2j "
                    + ".safetensors); required"),
            Key.of("fasta", Type.PATH, null, "sequences of the proteins (plain or gzip); required"),
            Key.of("labels", Type.PATH, null, "labels TSV (header protein<TAB>term); this or uniprot is required"),
            Key.of("uniprot", Type.PATH, null, "UniProtKB flat file: its DR GO lines are the labels (needs obo)"),
            Key.of("obo", Type.PATH, null, "Gene Ontology OBO: GO labels are propagated to all ancestors (is_a, "
                    + "part_of) and named"),
            Key.of("evidence", Type.TEXT, "experimental", "evidence codes kept from uniprot: experimental, all, or "
                    + "a comma-separated list"),
            Key.of("names", Type.PATH, null, "label vocabulary TSV (index, term, name) naming non-GO labels"),
            Key.of("min_count", Type.INTEGER, "1", "keep labels carried by at least this many training proteins"),
            Key.of("uniprot_ids", Type.BOOLEAN, "false", "use the accession of UniProt FASTA ids (sp|P12345|NAME -> "
                    + "P12345)"),
            Key.of("split", Type.PATH, null, "split file protein<TAB>part (esm2j split); without it split_method "
                    + "is used"),
            Key.choice("split_method", "random", List.of("random", "stratified"), "split made on the fly when no "
                    + "split file is given"),
            Key.of("split_fractions", Type.TEXT, "train=0.8,valid=0.1,test=0.1", "parts of split_method"),
            Key.of("train_part", Type.TEXT, "train", "the split part trained on"),
            Key.of("valid_part", Type.TEXT, "valid", "the part for early stopping and threshold tuning (may be "
                    + "absent)"),
            Key.of("test_part", Type.TEXT, "test", "the part scored into test_out (may be absent)"),
            Key.choice(MODE, "logreg", List.of("logreg", "mlp", "knn", "prototypes", "finetune", "lora"), "a head "
                    + "on frozen embeddings (logreg, mlp, knn, prototypes), or the backbone fine-tuned with a head: "
                    + "whole (finetune) or through LoRA adapters (lora)"),
            Key.of("layer", Type.INTEGER, "-1", "representation layer (negative counts from the end); finetune and "
                    + "lora read the last"),
            Key.choice("length_mode", "window", List.of("window", "truncate", "error"), "sequences longer than "
                    + "max_residues: averaged windows, cropped, or refused"),
            Key.of("max_residues", Type.INTEGER, "1022", "longest sequence (or window) given to the model"),
            Key.of("window_overlap", Type.INTEGER, "256", "overlap of windows (length_mode window)"),
            Key.of("tokens_per_batch", Type.INTEGER, "4096", "tokens per forward pass when embedding"),
            Key.of("cache", Type.PATH, null, "embedding cache folder (reused across runs; not for finetune, lora)"),
            Key.of("hidden", Type.INTEGER, "128", "mlp: hidden units"),
            Key.of("dropout", Type.NUMBER, "0.2", "mlp, finetune, lora: dropout in the head"),
            Key.of("learning_rate", Type.NUMBER, null, "AdamW learning rate (default 1e-2 logreg, 3e-3 mlp; for "
                    + "the backbone 1e-4 finetune, for the adapters 1e-3 lora)"),
            Key.of("head_learning_rate", Type.NUMBER, "1e-3", "finetune, lora: AdamW learning rate of the head"),
            Key.of("weight_decay", Type.NUMBER, "0.01", "AdamW decoupled weight decay (finetune, lora: not on "
                    + "biases and LayerNorms)"),
            Key.of("batch_size", Type.INTEGER, "32", "proteins per step (finetune, lora: per micro-batch)"),
            Key.of("gradient_accumulation", Type.INTEGER, "1", "finetune, lora: micro-batches per optimizer step"),
            Key.of("max_epochs", Type.INTEGER, null, "upper bound on epochs (default 300 logreg, mlp; 20 finetune, "
                    + "lora)"),
            Key.of("max_steps", Type.INTEGER, "0", "finetune, lora: upper bound on optimizer steps (0: none)"),
            Key.of("patience", Type.INTEGER, null, "early stopping: epochs without a lower validation loss (default "
                    + "20 logreg, mlp; 3 finetune, lora)"),
            Key.choice("lr_schedule", "linear", List.of("constant", "linear", "cosine"), "finetune, lora: learning "
                    + "rate after warmup: constant, linear or cosine decay to 0 at the last step"),
            Key.of("warmup_steps", Type.INTEGER, "0", "finetune, lora: linear warmup from 0"),
            Key.of("clip_norm", Type.NUMBER, "1.0", "finetune, lora: global gradient-norm clipping (0: off)"),
            Key.of("train_max_residues", Type.INTEGER, "512", "finetune, lora: longer training and validation "
                    + "sequences are cropped to a window of this many residues (seeded)"),
            Key.of("freeze_layers", Type.INTEGER, "0", "finetune: freeze the token embedding and this many bottom "
                    + "layers (0: train everything)"),
            Key.of("lora_r", Type.INTEGER, "8", "lora: rank"),
            Key.of("lora_alpha", Type.NUMBER, "16", "lora: alpha (the adapter is scaled by alpha / r)"),
            Key.of("lora_dropout", Type.NUMBER, "0.05", "lora: dropout on the adapter path"),
            Key.of("lora_targets", Type.TEXT, "query,value", "lora: adapted projections, any of query, key, value, "
                    + "dense (attention output), fc1, fc2"),
            Key.choice("pos_weight", "none", List.of("none", "ratio", "sqrt"), "BCE pos_weight from the training "
                    + "labels: none, neg/pos, or its square root"),
            Key.of("max_pos_weight", Type.NUMBER, "100", "upper clip of pos_weight"),
            Key.of("k", Type.INTEGER, "5", "knn: neighbours"),
            Key.choice("metric", "cosine", List.of("cosine", "euclidean"), "prototypes: distance to the class means"),
            Key.of("thresholds", Type.TEXT, "f1", "per-term thresholds tuned on valid_part: f1, or precision:P "
                    + "(highest recall at precision >= P)"),
            Key.of("threshold_fallback", Type.NUMBER, "0.5", "threshold of terms that cannot be tuned"),
            Key.of("seed", Type.INTEGER, "1", "seed of the split, initialisation, shuffling and dropout"),
            Key.of("out", Type.PATH, null, "predictor directory to create (must not exist); required"),
            Key.of("test_out", Type.PATH, null, "folder for test_part's truth.tsv and predictions.tsv (and "
                    + "baselines)"),
            Key.of("baselines", Type.BOOLEAN, "false", "also write the naive and sequence-similarity baselines' "
                    + "test predictions into test_out"));

    private static final Map<String, Key> BY_NAME = byName();

    private final Map<String, String> values;
    private final Map<String, String> origins;

    private FinetuneConfig(Map<String, String> values, Map<String, String> origins) {
        this.values = values;
        this.origins = origins;
    }

    /** Only the built-in defaults. */
    public static FinetuneConfig defaults() {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        for (Key k : KEYS) {
            if (k.defaultValue() != null) {
                values.put(k.name(), k.defaultValue());
                origins.put(k.name(), "the default");
            }
        }
        return new FinetuneConfig(values, origins);
    }

    /** This config with the settings of {@code file} (JSON or properties) on top. */
    public FinetuneConfig withFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("config file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> settings = text.stripLeading().startsWith("{") ? jsonSettings(file, text)
                : propertiesSettings(file, text);
        Path folder = file.toAbsolutePath().getParent();
        FinetuneConfig out = this;
        for (Map.Entry<String, String> e : settings.entrySet()) {
            Key key = key(e.getKey(), "config file " + file);
            String value = e.getValue();
            if (key.type() == Type.PATH && !value.isEmpty()) {
                value = folder.resolve(value).normalize().toString();
            }
            out = out.set(key, value, "config file " + file);
        }
        return out;
    }

    /** This config with {@code key} set to {@code value}; {@code origin} says where it came from (e.g. a flag). */
    public FinetuneConfig with(String key, String value, String origin) {
        return set(key(key, origin), value, origin);
    }

    private FinetuneConfig set(Key key, String value, String origin) {
        Map<String, String> v = new LinkedHashMap<>(values);
        Map<String, String> o = new LinkedHashMap<>(origins);
        v.put(key.name(), value.strip());
        o.put(key.name(), origin);
        FinetuneConfig out = new FinetuneConfig(v, o);
        out.validate(key);
        return out;
    }

    /** Checks the value of {@code key} against its type now, so a bad value is reported where it was given. */
    private void validate(Key key) {
        switch (key.type()) {
            case INTEGER -> integer(key.name());
            case NUMBER -> number(key.name());
            case BOOLEAN -> flag(key.name());
            case CHOICE -> choice(key.name());
            default -> {
            }
        }
    }

    public boolean isSet(String key) {
        requireKnown(key);
        String v = values.get(key);
        return v != null && !v.isEmpty();
    }

    /** The text of a key's value. */
    public String text(String key) {
        requireSet(key);
        return values.get(key);
    }

    public Path path(String key) {
        return Path.of(text(key));
    }

    /** A path, or {@code null} when the key is unset. */
    public Path optionalPath(String key) {
        return isSet(key) ? path(key) : null;
    }

    public int integer(String key) {
        String v = text(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw invalid(key, "a whole number", e);
        }
    }

    public double number(String key) {
        String v = text(key);
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw invalid(key, "a finite number", null);
            }
            return d;
        } catch (NumberFormatException e) {
            throw invalid(key, "a number", e);
        }
    }

    public boolean flag(String key) {
        String v = text(key).toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw invalid(key, "true or false", null);
    }

    /** The value of a {@link Type#CHOICE} key, in lower case. */
    public String choice(String key) {
        String v = text(key).toLowerCase(Locale.ROOT);
        List<String> choices = BY_NAME.get(key).choices();
        if (!choices.contains(v)) {
            throw invalid(key, "one of " + String.join(", ", choices), null);
        }
        return v;
    }

    /** An error about {@code key}'s value, naming the key, the value and where it came from. */
    public InvalidInputException invalid(String key, String expected, Throwable cause) {
        return new InvalidInputException("config key '" + key + "' (from " + origins.get(key) + "): expected "
                + expected + ", got '" + values.get(key) + "'", cause);
    }

    /** Every key that has a value, with its value as text, in {@link #KEYS} order (for the predictor's record). */
    public Map<String, String> effective() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Key k : KEYS) {
            if (isSet(k.name())) {
                out.put(k.name(), values.get(k.name()));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private void requireSet(String key) {
        if (!isSet(key)) {
            throw new InvalidInputException("config key '" + key + "' is required (set it in the config file or "
                    + "with --" + key.replace('_', '-') + ")");
        }
    }

    private static void requireKnown(String key) {
        if (!BY_NAME.containsKey(key)) {
            throw new IllegalArgumentException("no config key '" + key + "'");
        }
    }

    private static Key key(String name, String origin) {
        Key key = BY_NAME.get(name.strip());
        if (key == null) {
            throw new InvalidInputException("unknown config key '" + name + "' in " + origin + closest(name)
                    + "; known keys: " + String.join(", ", BY_NAME.keySet()));
        }
        return key;
    }

    private static String closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : BY_NAME.keySet()) {
            int d = editDistance(name.toLowerCase(Locale.ROOT).replace('-', '_'), k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitution, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static Map<String, String> jsonSettings(Path file, String text) {
        Map<String, Object> root;
        try {
            root = Json.parseObject(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("config file " + file + ": malformed JSON: " + e.getMessage(), e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : root.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map || v instanceof List) {
                throw new InvalidInputException("config key '" + e.getKey() + "' (from config file " + file
                        + "): expected a single value, got " + Json.write(v));
            }
            out.put(e.getKey(), v == null ? "" : String.valueOf(v));
        }
        return out;
    }

    private static Map<String, String> propertiesSettings(Path file, String text) {
        Properties p = new Properties();
        try (Reader r = new StringReader(text)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException("config file " + file + ": not a properties file: " + e.getMessage(), e);
        }
        // Properties forgets the order; KEYS order makes the result stable, unknown keys first so they are reported.
        Map<String, String> out = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(p.stringPropertyNames());
        names.sort(null);
        for (String n : names) {
            if (!BY_NAME.containsKey(n)) {
                out.put(n, p.getProperty(n));
            }
        }
        for (Key k : KEYS) {
            if (p.containsKey(k.name())) {
                out.put(k.name(), p.getProperty(k.name()));
            }
        }
        return out;
    }

    private static Map<String, Key> byName() {
        Map<String, Key> m = new LinkedHashMap<>();
        for (Key k : KEYS) {
            m.put(k.name(), k);
        }
        return Collections.unmodifiableMap(m);
    }
}
