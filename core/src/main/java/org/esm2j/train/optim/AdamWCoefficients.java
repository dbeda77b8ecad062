package org.esm2j.train.optim;

/**
 * The float scalars of one AdamW step for one group, formed in double and rounded once (see {@link AdamW}):
 * {@code p = p decay; m = m beta1 + oneMinusBeta1 g; v = v beta2 + oneMinusBeta2 g^2;
 * p -= stepSize (m / (sqrt(v) / biasCorrection2Sqrt + eps))}.
 */
record AdamWCoefficients(float decay, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
        float biasCorrection2Sqrt, float eps, float stepSize) {
}
