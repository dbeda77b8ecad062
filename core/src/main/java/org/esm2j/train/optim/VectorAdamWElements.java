package org.esm2j.train.optim;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link AdamWElements} a vector at a time; only loaded once {@link AdamWElements#preferred} has found the module.
 * The coefficients are broadcast once per call and every operation takes a vector operand, as in the CPU backend's
 * kernels; the float operations and their order are those of {@link ScalarAdamWElements}.
 */
final class VectorAdamWElements extends AdamWElements {
    static final VectorAdamWElements INSTANCE = new VectorAdamWElements();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorAdamWElements() {
    }

    @Override
    void update(float[] params, float[] grads, int from, int to, float[] m, float[] v, int stateShift,
            AdamWCoefficients k) {
        FloatVector decay = FloatVector.broadcast(S, k.decay());
        FloatVector beta1 = FloatVector.broadcast(S, k.beta1());
        FloatVector oneMinusBeta1 = FloatVector.broadcast(S, k.oneMinusBeta1());
        FloatVector beta2 = FloatVector.broadcast(S, k.beta2());
        FloatVector oneMinusBeta2 = FloatVector.broadcast(S, k.oneMinusBeta2());
        FloatVector biasCorrection2Sqrt = FloatVector.broadcast(S, k.biasCorrection2Sqrt());
        FloatVector eps = FloatVector.broadcast(S, k.eps());
        FloatVector stepSize = FloatVector.broadcast(S, k.stepSize());
        int i = from;
        for (int end = to - S.length(); i <= end; i += S.length()) {
            int s = i + stateShift;
            FloatVector g = FloatVector.fromArray(S, grads, i);
            FloatVector p = FloatVector.fromArray(S, params, i).mul(decay);
            FloatVector mi = FloatVector.fromArray(S, m, s).mul(beta1).add(oneMinusBeta1.mul(g));
            FloatVector vi = FloatVector.fromArray(S, v, s).mul(beta2).add(oneMinusBeta2.mul(g.mul(g)));
            mi.intoArray(m, s);
            vi.intoArray(v, s);
            FloatVector denom = vi.sqrt().div(biasCorrection2Sqrt).add(eps);
            p.sub(stepSize.mul(mi.div(denom))).intoArray(params, i);
        }
        ScalarAdamWElements.updateTail(params, grads, i, to, m, v, stateShift, k);
    }
}
