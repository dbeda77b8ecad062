package org.esm2j.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.esm2j.InvalidInputException;
import org.esm2j.model.Esm2Config;

/**
 * {@code --init-shape}: an ESM-2 shape to initialise at random, either a released model's size ({@code 8M}, {@code 35M},
 * {@code 150M}, {@code 650M}) or {@code layers=L,dim=D,heads=H} (FFN 4 D, token dropout on, as every ESM-2).
 */
final class ModelShape {
    private static final Map<String, int[]> NAMED = new LinkedHashMap<>();

    static {
        NAMED.put("8m", new int[] {6, 320, 20});
        NAMED.put("35m", new int[] {12, 480, 20});
        NAMED.put("150m", new int[] {30, 640, 20});
        NAMED.put("650m", new int[] {33, 1280, 20});
    }

    private ModelShape() {
    }

    static Esm2Config parse(String spec) {
        int[] named = NAMED.get(spec.trim().toLowerCase(Locale.ROOT));
        if (named != null) {
            return Esm2Config.of(named[0], named[1], named[2]);
        }
        Map<String, Integer> values = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2 || !(kv[0].equals("layers") || kv[0].equals("dim") || kv[0].equals("heads"))) {
                throw new InvalidInputException("--init-shape '" + spec + "': expected one of " + NAMED.keySet()
                        + " or layers=L,dim=D,heads=H, found '" + part + "'");
            }
            try {
                values.put(kv[0], Integer.parseInt(kv[1].trim()));
            } catch (NumberFormatException e) {
                throw new InvalidInputException("--init-shape '" + spec + "': '" + kv[1] + "' is not a whole number");
            }
        }
        if (values.size() != 3) {
            throw new InvalidInputException("--init-shape '" + spec + "' needs layers, dim and heads");
        }
        int dim = values.get("dim");
        int heads = values.get("heads");
        if (values.get("layers") < 1 || dim < 1 || heads < 1 || dim % heads != 0 || (dim / heads) % 2 != 0) {
            throw new InvalidInputException("--init-shape '" + spec + "': layers, dim and heads must be positive and "
                    + "dim must split into heads of even size");
        }
        return Esm2Config.of(values.get("layers"), dim, heads);
    }
}
