package org.esm2j.train.optim;

/**
 * The element loop of an {@link AdamW} step over one stretch of parameters, in a scalar and a Vector API flavour.
 * Every element goes through the same correctly rounded float operations in the same order (no fused multiply-add),
 * so both give the same bits; the vector loop is memory-bound where the scalar one is not (esm2_t6_8M, 7.8 million
 * parameters: 22 ms a step scalar, 5 ms vector on Zen 5).
 */
abstract class AdamWElements {
    /** Same switch as the CPU backend's kernels: {@code -Desm2j.vector=false} keeps the scalar loops. */
    private static final String VECTOR_PROPERTY = "esm2j.vector";

    /**
     * Updates {@code params[from, to)} from {@code grads[from, to)} and the moment buffers m and v at the same
     * positions shifted by {@code stateShift} (the moment buffers hold the grouped entries only).
     */
    abstract void update(float[] params, float[] grads, int from, int to, float[] m, float[] v, int stateShift,
            AdamWCoefficients k);

    /** The vector loop when {@code jdk.incubator.vector} is present and not disabled, else the scalar one. */
    static AdamWElements preferred() {
        return Selection.PREFERRED;
    }

    private static final class Selection {
        static final AdamWElements PREFERRED = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !"false".equalsIgnoreCase(System.getProperty(VECTOR_PROPERTY))
                        ? VectorAdamWElements.INSTANCE
                        : ScalarAdamWElements.INSTANCE;

        private Selection() {
        }
    }
}
