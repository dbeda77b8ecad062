package org.esm2j.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

/**
 * erf, erfc and GELU against a 60-digit Maclaurin series of erf evaluated with BigDecimal (the series converges for
 * every z; 60 digits leave more than 40 after the cancellation at |z| = 6 and in 1 - erf). Grid step 0.01 over [-6, 6]:
 * relative error of erf and erfc <= 2e-7 (the erfc fit promises 1.2e-7), GELU in float within 3e-7 relative.
 */
class ErfTest {
    private static final MathContext MC = new MathContext(60);

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
    void erfAndErfcMatchHighPrecisionSeries() {
        double worstErf = 0;
        double worstErfc = 0;
        for (int i = -600; i <= 600; i++) {
            double z = i * 0.01;
            BigDecimal ref = erfReference(z);
            double erf = ref.doubleValue();
            double erfc = BigDecimal.ONE.subtract(ref, MC).doubleValue();
            if (erf != 0) {
                worstErf = Math.max(worstErf, Math.abs(Erf.erf(z) - erf) / Math.abs(erf));
            } else {
                assertEquals(0.0, Erf.erf(z), 0.0);
            }
            worstErfc = Math.max(worstErfc, Math.abs(Erf.erfc(z) - erfc) / erfc);
        }
        System.out.printf("erf max rel error %.3e, erfc max rel error %.3e over [-6, 6] step 0.01%n", worstErf,
                worstErfc);
        assertTrue(worstErf <= 2e-7, "erf relative error " + worstErf);
        assertTrue(worstErfc <= 2e-7, "erfc relative error " + worstErfc);
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
        assertTrue(worst <= 3e-7, "gelu relative error " + worst);
        assertEquals(0f, Erf.gelu(0f));
        assertEquals(100f, Erf.gelu(100f));
        assertEquals(0f, Erf.gelu(-100f), 1e-30f);
    }
}
