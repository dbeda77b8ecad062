package org.esm2j.train.optim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;
import org.esm2j.train.ParameterEntry;
import org.esm2j.train.ParameterLayout;

/**
 * What AdamW and SGD share: the groups resolved to layout entries, the current learning rate and momentum of each
 * group, the step counter, buffer checks and the checkpoint form of the state.
 */
abstract class GroupedOptimizer implements Optimizer {
    static final String STEP = "step";
    static final String LR = "lr";
    static final String MOMENTUM = "momentum";

    private final ParameterLayout layout;
    private final List<ParameterGroup> groups;
    private final ParameterEntry[][] groupEntries;
    /** Where each grouped entry's elements start in the state buffers, which hold the grouped entries only. */
    private final int[][] stateOffsets;
    private final int stateSize;
    private final double[] lr;
    private final double[] momentum;
    private long steps;

    GroupedOptimizer(ParameterLayout layout, List<ParameterGroup> groups, double momentum) {
        checkMomentum(momentum);
        this.layout = layout;
        this.groups = List.copyOf(groups);
        this.groupEntries = new ParameterEntry[groups.size()][];
        this.stateOffsets = new int[groups.size()][];
        this.lr = new double[groups.size()];
        this.momentum = new double[groups.size()];
        Map<String, String> owner = new LinkedHashMap<>();
        int state = 0;
        for (int g = 0; g < groups.size(); g++) {
            ParameterGroup group = groups.get(g);
            groupEntries[g] = new ParameterEntry[group.entries().size()];
            stateOffsets[g] = new int[groupEntries[g].length];
            for (int i = 0; i < groupEntries[g].length; i++) {
                String name = group.entries().get(i);
                ParameterEntry e = layout.entry(name);
                if (!e.trainable()) {
                    throw new IllegalArgumentException("parameter '" + name + "' in group '" + group.name()
                            + "' is frozen in the layout");
                }
                String previous = owner.put(name, group.name());
                if (previous != null) {
                    throw new IllegalArgumentException("parameter '" + name + "' is in two groups: '" + previous
                            + "' and '" + group.name() + "'");
                }
                groupEntries[g][i] = e;
                stateOffsets[g][i] = state;
                state = Math.addExact(state, e.length());
            }
            this.lr[g] = group.lr();
            this.momentum[g] = momentum;
        }
        this.stateSize = state;
    }

    /**
     * Updates the elements {@code [from, to)} of one group's entry in params and grads ({@code layout().size()}
     * elements), whose state starts at {@code stateFrom} of the state buffers.
     */
    abstract void update(int group, int from, int to, int stateFrom, float[] params, float[] grads, long step);

    /**
     * Elements of each state buffer: the grouped entries' only, as PyTorch keeps state only for the parameters it
     * updates (LoRA: the adapters, not the frozen backbone; at the esm2_t12_35M shape 268 MB less for AdamW).
     */
    final int stateSize() {
        return stateSize;
    }

    /** State buffers to checkpoint, by name, each of {@link #stateSize()} elements. */
    abstract Map<String, float[]> stateBuffers();

    @Override
    public final void step(float[] params, float[] grads) {
        requireBuffer("params", params);
        requireBuffer("grads", grads);
        steps++;
        for (int g = 0; g < groupEntries.length; g++) {
            for (int i = 0; i < groupEntries[g].length; i++) {
                ParameterEntry e = groupEntries[g][i];
                update(g, e.offset(), e.end(), stateOffsets[g][i], params, grads, steps);
            }
        }
    }

    @Override
    public final ParameterLayout layout() {
        return layout;
    }

    @Override
    public final List<ParameterGroup> groups() {
        return groups;
    }

    @Override
    public final double learningRate(int group) {
        return lr[checkGroup(group)];
    }

    @Override
    public final void setLearningRate(int group, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0: " + value);
        }
        lr[checkGroup(group)] = value;
    }

    @Override
    public final double momentum(int group) {
        return momentum[checkGroup(group)];
    }

    @Override
    public final void setMomentum(int group, double value) {
        checkMomentum(value);
        momentum[checkGroup(group)] = value;
    }

    private static void checkMomentum(double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("momentum (beta1 for Adam) must be in [0, 1): " + value);
        }
    }

    @Override
    public final long steps() {
        return steps;
    }

    final double weightDecay(int group) {
        return groups.get(group).weightDecay();
    }

    @Override
    public final Map<String, Tensor> exportState() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(STEP, Tensor.ofLongs(new long[] {steps}, 1));
        out.put(LR, doubles(lr));
        out.put(MOMENTUM, doubles(momentum));
        for (Map.Entry<String, float[]> b : stateBuffers().entrySet()) {
            out.put(b.getKey(), Tensor.ofFloats(b.getValue().clone(), b.getValue().length));
        }
        return out;
    }

    @Override
    public final void importState(Map<String, Tensor> state) {
        long[] step = require(state, STEP, DType.I64, 1).toLongArray();
        double[] newLr = toDoubles(require(state, LR, DType.F64, groups.size()));
        double[] newMomentum = toDoubles(require(state, MOMENTUM, DType.F64, groups.size()));
        Map<String, float[]> buffers = stateBuffers();
        for (Map.Entry<String, float[]> b : buffers.entrySet()) {
            require(state, b.getKey(), DType.F32, stateSize);
        }
        steps = step[0];
        System.arraycopy(newLr, 0, lr, 0, lr.length);
        System.arraycopy(newMomentum, 0, momentum, 0, momentum.length);
        for (Map.Entry<String, float[]> b : buffers.entrySet()) {
            float[] values = state.get(b.getKey()).toFloatArray();
            System.arraycopy(values, 0, b.getValue(), 0, values.length);
        }
    }

    private void requireBuffer(String what, float[] buffer) {
        if (buffer.length != layout.size()) {
            throw new IllegalArgumentException(what + " has " + buffer.length + " elements but the layout has "
                    + layout.size());
        }
    }

    private int checkGroup(int group) {
        if (group < 0 || group >= groups.size()) {
            throw new IllegalArgumentException("group " + group + " out of range: the optimizer has "
                    + groups.size() + " groups");
        }
        return group;
    }

    private static Tensor require(Map<String, Tensor> state, String key, DType dtype, long numel) {
        Tensor t = state.get(key);
        if (t == null) {
            throw new IllegalArgumentException("optimizer state has no '" + key + "'");
        }
        if (t.dtype() != dtype || t.numel() != numel) {
            throw new IllegalArgumentException("optimizer state '" + key + "' must be " + dtype + " with " + numel
                    + " elements, found " + t);
        }
        return t;
    }

    private static Tensor doubles(double[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asDoubleBuffer().put(values);
        return new Tensor(DType.F64, new long[] {values.length}, buf);
    }

    private static double[] toDoubles(Tensor t) {
        double[] out = new double[Math.toIntExact(t.numel())];
        t.bytes().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
        return out;
    }
}
