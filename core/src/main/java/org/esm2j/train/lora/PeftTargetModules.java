package org.esm2j.train.lora;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.esm2j.CheckpointException;
import org.esm2j.train.LoraTarget;

/**
 * PEFT's {@code target_modules} for ESM-2. PEFT adapts a module when a list entry equals its name or is a suffix of it
 * after a dot, or, when {@code target_modules} is one string, when that regular expression matches the whole name.
 * The names are the Hugging Face paths ({@code esm.encoder.layer.0.attention.self.query}), so {@code query},
 * {@code key} and {@code value} pick q, k and v, {@code attention.output.dense} the attention output and
 * {@code intermediate.dense} fc1. fc2 is {@code output.dense}, which also ends {@code attention.output.dense}: a list
 * can name fc2 only together with the attention output, so fc2 without it is written as a regular expression.
 */
public final class PeftTargetModules {
    /** Other linear modules of the Hugging Face ESM classes that a loose entry ({@code dense}) would also adapt. */
    private static final List<String> OTHER_LINEAR_MODULES = List.of("lm_head.dense", "lm_head.decoder",
            "esm.contact_head.regression", "classifier.dense", "classifier.out_proj", "classifier");

    private PeftTargetModules() {
    }

    /** The value PEFT would write for {@code targets}: a list of module names, or one regular expression. */
    public static Object toConfigValue(Set<LoraTarget> targets) {
        if (targets.contains(LoraTarget.FC2) && !targets.contains(LoraTarget.O)) {
            StringBuilder alternatives = new StringBuilder();
            for (LoraTarget t : targets) {
                alternatives.append(alternatives.length() == 0 ? "" : "|").append(t.huggingFaceModule()
                        .replace(".", "\\."));
            }
            return ".*\\.layer\\.\\d+\\.(" + alternatives + ")";
        }
        List<String> names = new ArrayList<>();
        for (LoraTarget t : targets) {
            names.add(listEntry(t));
        }
        return names;
    }

    private static String listEntry(LoraTarget t) {
        return switch (t) {
            case Q -> "query";
            case K -> "key";
            case V -> "value";
            default -> t.huggingFaceModule();
        };
    }

    /**
     * The projections {@code value} adapts in an encoder at {@code encoderPath} ({@code esm.} or empty), the same in
     * each of {@code layers}.
     *
     * @param modulesToSave modules PEFT wraps whole instead of adapting (never matched)
     * @throws CheckpointException when the value is malformed, adapts a module esm2j cannot adapt, matches nothing,
     *     or adapts different projections in different layers
     */
    public static Set<LoraTarget> fromConfigValue(Object value, String encoderPath, Collection<Integer> layers,
            List<String> modulesToSave) {
        Matcher matcher = matcher(value);
        Set<LoraTarget> targets = null;
        for (int layer : layers) {
            Set<LoraTarget> here = EnumSet.noneOf(LoraTarget.class);
            for (LoraTarget t : LoraTarget.values()) {
                if (matcher.matches(PeftKeys.moduleName(encoderPath, layer, t))) {
                    here.add(t);
                }
            }
            if (targets != null && !targets.equals(here)) {
                throw new CheckpointException("target_modules " + value + " adapts " + targets + " in one layer but "
                        + here + " in layer " + layer + "; esm2j adapts the same projections in every layer");
            }
            targets = here;
        }
        for (String other : OTHER_LINEAR_MODULES) {
            boolean saved = modulesToSave.stream().anyMatch(m -> other.equals(m) || other.startsWith(m + "."));
            if (!saved && matcher.matches(other)) {
                throw new CheckpointException("target_modules " + value + " also adapts '" + other
                        + "', which esm2j cannot adapt (only the encoder layers' projections)");
            }
        }
        if (targets == null || targets.isEmpty()) {
            throw new CheckpointException("target_modules " + value + " names none of the encoder projections "
                    + "(query, key, value, attention.output.dense, intermediate.dense, output.dense)");
        }
        return targets;
    }

    /** PEFT's matching rule for one module name. */
    private interface Matcher {
        boolean matches(String moduleName);
    }

    private static Matcher matcher(Object value) {
        if (value instanceof String regex) {
            Pattern p;
            try {
                p = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new CheckpointException("target_modules '" + regex + "' is not a valid regular expression: "
                        + e.getDescription(), e);
            }
            return name -> p.matcher(name).matches();
        }
        if (value instanceof List<?> list && !list.isEmpty()) {
            List<String> entries = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw new CheckpointException("target_modules holds a non-string entry " + o);
                }
                entries.add(s);
            }
            return name -> entries.stream().anyMatch(e -> name.equals(e) || name.endsWith("." + e));
        }
        throw new CheckpointException("target_modules must be a list of module names or a regular expression, got "
                + value);
    }
}
