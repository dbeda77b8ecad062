package org.esm2j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.esm2j.io.Json;
import org.esm2j.testing.Fixtures;

/**
 * The float64 PyTorch references under testdata/training (made by make_goldens.py there), with accessors that turn
 * JSON lists into Java arrays.
 */
public final class TrainingGoldens {
    private TrainingGoldens() {
    }

    /** One golden file, e.g. {@code optim.json}, as a JSON object. */
    public static Map<String, Object> read(String file) {
        Path path = Fixtures.root().getParent().resolve("training").resolve(file);
        try {
            return Json.parseObject(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden " + path, e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, Object> json, String key) {
        return (Map<String, Object>) require(json, key);
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> json, String key) {
        return (List<Object>) require(json, key);
    }

    public static double number(Map<String, Object> json, String key) {
        return ((Number) require(json, key)).doubleValue();
    }

    public static float[] floats(Object jsonList) {
        List<?> values = (List<?>) jsonList;
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }

    public static double[] doubles(Object jsonList) {
        List<?> values = (List<?>) jsonList;
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).doubleValue();
        }
        return out;
    }

    public static int[] ints(Object jsonList) {
        List<?> values = (List<?>) jsonList;
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).intValue();
        }
        return out;
    }

    /** A layout from {@code [{"name", "shape", "trainable"}, ...]}. */
    @SuppressWarnings("unchecked")
    public static ParameterLayout layout(List<Object> entries) {
        ParameterLayout.Builder b = ParameterLayout.builder();
        for (Object o : entries) {
            Map<String, Object> e = (Map<String, Object>) o;
            int[] shape = ints(e.get("shape"));
            long[] longShape = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                longShape[i] = shape[i];
            }
            b.add((String) e.get("name"), longShape, (Boolean) e.get("trainable"));
        }
        return b.build();
    }

    private static Object require(Map<String, Object> json, String key) {
        Object v = json.get(key);
        if (v == null) {
            throw new IllegalStateException("golden has no '" + key + "' (regenerate with make_goldens.py?)");
        }
        return v;
    }
}
