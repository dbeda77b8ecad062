package org.esm2j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.esm2j.model.ForwardRequest;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --layers}: {@code all} (0..L, 0 being the scaled embeddings) or comma-separated indices where negative
 * counts from the end as in extract.py ({@code -1} = L, the output of the final LayerNorm). The range is checked once
 * the model's depth is known.
 */
final class LayerSelection {
    private final List<Integer> layers; // null means all

    private LayerSelection(List<Integer> layers) {
        this.layers = layers;
    }

    static LayerSelection parse(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase("all")) {
            return new LayerSelection(null);
        }
        List<Integer> out = new ArrayList<>();
        for (String part : t.split(",")) {
            try {
                out.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + text + "' is not a layer list (expected all, or comma-"
                        + "separated layer numbers such as -1 or 0,3)");
            }
        }
        return new LayerSelection(out);
    }

    /** The distinct layers in 0..numLayers, ascending; an index outside -(L+1)..L is an invalid-input error. */
    SortedSet<Integer> resolve(int numLayers) {
        if (layers == null) {
            SortedSet<Integer> all = new TreeSet<>();
            for (int i = 0; i <= numLayers; i++) {
                all.add(i);
            }
            return all;
        }
        return ForwardRequest.resolveLayers(layers, numLayers);
    }

    /** picocli converter for {@code --layers}. */
    static final class Converter implements ITypeConverter<LayerSelection> {
        @Override
        public LayerSelection convert(String value) {
            return parse(value);
        }
    }
}
