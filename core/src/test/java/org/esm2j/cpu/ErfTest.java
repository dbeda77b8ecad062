package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The float GELU against x Phi(x) from a 60-digit Maclaurin series of erf evaluated with BigDecimal (the series
 * converges for every z; 60 digits leave more than 40 after the cancellation in 1 + erf at |z| = 6), step 0.02 over
 * [-8, 8], and the scalar and vector kernels bit for bit; also the double erf of the naive reference forward pass
 * (relative error <= 2e-7 over [-6, 6]; its erfc fit promises 1.2e-7).
 */
class ErfTest {
    private static final MathContext MC = new MathContext(60);
    /**
     * The erfc fit's 1.2e-7 plus a few float roundings in t, the fit polynomial and the exp (each ~6e-8 relative, the
     * large -z^2 kept exact), well inside the 1e-4 the forward pass is held to.
     */
    private static final double GELU_TOLERANCE = 6e-7;

    /** erf(z) = 2/sqrt(pi) sum_n (-1)^n z^(2n+1) / (n! (2n+1)), summed until terms drop below 1e-50. */
    static BigDecimal erfReference(double zd) {
        BigDecimal z = new BigDecimal(zd);
        BigDecimal z2 = z.multiply(z, MC);
        BigDecimal term = z;
        BigDecimal sum = z;
        BigDecimal tiny = new BigDecimal("1e-50");
        for (int n = 1; n < 2000; n++) {
            term = term.multiply(z2, MC).divide(BigDecimal.valueOf(-n), MC);
            BigDecimal add = term.divide(BigDecimal.valueOf(2L * n + 1), MC);
            sum = sum.add(add, MC);
            if (add.abs().compareTo(tiny) < 0 && n > z2.doubleValue()) {
                break;
            }
        }
        BigDecimal twoOverSqrtPi = new BigDecimal("1.1283791670955125738961589031215451716881012586580");
        return sum.multiply(twoOverSqrtPi, MC);
    }

    @Test
    void referenceErfOfTheNaiveForwardMatchesHighPrecisionSeries() {
        double worst = 0;
        for (int i = -600; i <= 600; i++) {
            double z = i * 0.01;
            double erf = erfReference(z).doubleValue();
            if (erf != 0) {
                worst = Math.max(worst, Math.abs(ReferenceErf.erf(z) - erf) / Math.abs(erf));
            } else {
                assertEquals(0.0, ReferenceErf.erf(z), 0.0);
            }
        }
        System.out.printf("reference erf max rel error %.3e over [-6, 6] step 0.01%n", worst);
        assertTrue(worst <= 2e-7, "erf relative error " + worst);
    }

    @Test
    void geluIsXTimesNormalCdf() {
        double worst = 0;
        for (int i = -400; i <= 400; i++) {
            float x = i * 0.02f;
            // Phi(x) = (1 + erf(x / sqrt 2)) / 2 kept in BigDecimal: in double, 1 + erf cancels in the negative tail.
            BigDecimal cdf = BigDecimal.ONE.add(erfReference(x / Math.sqrt(2)), MC).divide(BigDecimal.valueOf(2), MC);
            double ref = cdf.multiply(new BigDecimal(x), MC).doubleValue();
            if (ref != 0) {
                worst = Math.max(worst, Math.abs(Erf.gelu(x) - ref) / Math.abs(ref));
            }
        }
        System.out.printf("gelu max rel error %.3e over [-8, 8]%n", worst);
        assertTrue(worst <= GELU_TOLERANCE, "gelu relative error " + worst);
        assertEquals(0f, Erf.gelu(0f));
        assertEquals(100f, Erf.gelu(100f));
        assertEquals(0f, Erf.gelu(-100f), 1e-30f);
        assertEquals(0f, Erf.gelu(-1e30f), 1e-30f);
        assertEquals(1e30f, Erf.gelu(1e30f));
    }

    @Test
    void scalarAndVectorGeluAgreeBitForBit() {
        Random rnd = new Random(11);
        float[] x = new float[4099];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 20 : 2));
        }
        x[5] = 0f;
        x[6] = -0f;
        x[7] = Float.MIN_VALUE;
        float[] scalar = x.clone();
        float[] vector = x.clone();
        ScalarKernels.INSTANCE.gelu(scalar, 1, x.length - 1);
        VectorKernels.create().gelu(vector, 1, x.length - 1);
        assertArrayEquals(scalar, vector, "scalar and vector GELU differ");
        assertEquals(x[0], vector[0], "the element before the range is untouched");
    }
}
