package org.esm2j.train;

/**
 * The random numbers of a training run (dropout masks, masked-LM selection, head initialisation): SplitMix64
 * (Steele, Lea and Flood 2014), whose whole state is one {@code long}. A checkpoint saves {@link #state()} and a
 * resumed run restores it with {@link #setState}, so the resumed run draws exactly the numbers the uninterrupted one
 * would have; {@link java.util.Random} and {@link java.util.SplittableRandom} do not expose their state.
 */
public final class SeededRandom {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final double DOUBLE_UNIT = 0x1.0p-53;

    private long state;

    public SeededRandom(long seed) {
        this.state = seed;
    }

    public long state() {
        return state;
    }

    public void setState(long state) {
        this.state = state;
    }

    public long nextLong() {
        long z = (state += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * DOUBLE_UNIT;
    }

    /** Uniform in [0, bound), without modulo bias (Lemire's multiply-and-reject). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be > 0: " + bound);
        }
        while (true) {
            long r = nextLong() >>> 32;
            long product = r * bound;
            long low = product & 0xFFFFFFFFL;
            if (low >= (0x1_0000_0000L % bound)) {
                return (int) (product >>> 32);
            }
        }
    }

    /** Standard normal by the Box-Muller transform (one value per two uniforms, so the state advances by two). */
    public double nextGaussian() {
        double u1 = 1.0 - nextDouble();
        double u2 = nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
