package org.esm2j.train.optim;

/** {@link AdamWElements} one element at a time: the reference the vector loop matches bit for bit. */
final class ScalarAdamWElements extends AdamWElements {
    static final ScalarAdamWElements INSTANCE = new ScalarAdamWElements();

    private ScalarAdamWElements() {
    }

    @Override
    void update(float[] params, float[] grads, int from, int to, float[] m, float[] v, int stateShift,
            AdamWCoefficients k) {
        updateTail(params, grads, from, to, m, v, stateShift, k);
    }

    /** The scalar loop, also the vector loop's tail. */
    static void updateTail(float[] params, float[] grads, int from, int to, float[] m, float[] v, int stateShift,
            AdamWCoefficients k) {
        for (int i = from; i < to; i++) {
            float g = grads[i];
            float p = params[i] * k.decay();
            float mi = m[i + stateShift] * k.beta1() + k.oneMinusBeta1() * g;
            float vi = v[i + stateShift] * k.beta2() + k.oneMinusBeta2() * (g * g);
            m[i + stateShift] = mi;
            v[i + stateShift] = vi;
            float denom = (float) Math.sqrt(vi) / k.biasCorrection2Sqrt() + k.eps();
            params[i] = p - k.stepSize() * (mi / denom);
        }
    }
}
