package org.esm2j.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order and place of every trainable-model tensor in one flat float32 buffer. Parameters, gradients and each
 * optimizer state (AdamW's m and v, SGD's momentum) are separate float arrays of {@link #size()} elements laid out the
 * same way, so clipping, an optimizer step or a checkpoint is one pass over a buffer. The order is stable: the order
 * in which entries were added, which for a model is fair-esm's {@code state_dict} order followed by heads and adapters.
 */
public final class ParameterLayout {
    private final List<ParameterEntry> entries;
    private final Map<String, ParameterEntry> byName;
    private final int size;

    private ParameterLayout(List<ParameterEntry> entries) {
        this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
        Map<String, ParameterEntry> m = new LinkedHashMap<>();
        int end = 0;
        for (ParameterEntry e : entries) {
            if (m.put(e.name(), e) != null) {
                throw new IllegalArgumentException("parameter '" + e.name() + "' appears twice in the layout");
            }
            end = Math.max(end, e.end());
        }
        this.byName = Collections.unmodifiableMap(m);
        this.size = end;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every entry in layout order. */
    public List<ParameterEntry> entries() {
        return entries;
    }

    /** Total elements of each flat buffer. */
    public int size() {
        return size;
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The entry called {@code name}; an {@link IllegalArgumentException} naming it when there is none. */
    public ParameterEntry entry(String name) {
        ParameterEntry e = byName.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in the layout");
        }
        return e;
    }

    /** Entries whose tensors the optimizer updates. */
    public List<ParameterEntry> trainable() {
        return entries.stream().filter(ParameterEntry::trainable).toList();
    }

    /** The same layout with the trainable flag replaced by {@code trainable(name)} for every entry. */
    public ParameterLayout withTrainable(java.util.function.Predicate<String> trainable) {
        Builder b = new Builder();
        for (ParameterEntry e : entries) {
            b.entries.add(new ParameterEntry(e.name(), e.shape(), e.offset(), trainable.test(e.name())));
        }
        return b.build();
    }

    /** Adds entries one after another, each starting where the previous one ended. */
    public static final class Builder {
        private final List<ParameterEntry> entries = new ArrayList<>();
        private int next;

        public Builder add(String name, long[] shape, boolean trainable) {
            ParameterEntry e = new ParameterEntry(name, shape, next, trainable);
            entries.add(e);
            next = Math.addExact(next, e.length());
            return this;
        }

        public ParameterLayout build() {
            return new ParameterLayout(entries);
        }
    }
}
