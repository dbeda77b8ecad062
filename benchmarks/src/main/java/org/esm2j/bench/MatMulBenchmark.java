package org.esm2j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.esm2j.cpu.LinearWeights;
import org.esm2j.cpu.MatMul;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The CPU backend's linear layer {@code y = x W^T + b} against a naive triple loop, on the GEMM shapes of ESM-2's
 * feed-forward blocks for 512 tokens. One op is one GEMM of {@code 2 rows K N} FLOPs; the report turns ops/s into
 * GFLOP/s. The public entry points repack W into the kernel's (in, out) layout on every call, which the model
 * avoids by packing once at load; that cost is included here, and {@link #transposeWeight} times a copy of the same
 * shape so the report can tell how much of the time it is.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
public class MatMulBenchmark {
    /**
     * rows x inFeatures x outFeatures: fc1 and fc2 of esm2_t6_8M (D = 320) and of esm2_t12_35M (D = 480) over 512
     * tokens.
     */
    @Param({"512x320x1280", "512x1280x320", "512x480x1920", "512x1920x480"})
    public String shape;

    private int rows;
    private int inFeatures;
    private int outFeatures;
    private float[] x; // (rows, inFeatures)
    private float[] weight; // (outFeatures, inFeatures), PyTorch's nn.Linear layout
    private float[] bias; // (outFeatures)
    private float[] y; // (rows, outFeatures)
    private float[] weightT; // (inFeatures, outFeatures)
    private LinearWeights packed; // weight and bias packed once for the kernel

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        rows = Integer.parseInt(dims[0]);
        inFeatures = Integer.parseInt(dims[1]);
        outFeatures = Integer.parseInt(dims[2]);
        SplittableRandom random = new SplittableRandom(7);
        x = uniform(rows * inFeatures, 1.0, random);
        weight = uniform(outFeatures * inFeatures, 0.05, random);
        bias = uniform(outFeatures, 0.01, random);
        y = new float[rows * outFeatures];
        weightT = new float[outFeatures * inFeatures];
        packed = LinearWeights.fromTorch(weight, outFeatures, inFeatures, bias);
    }

    @Benchmark
    public void naive(Blackhole bh) {
        for (int r = 0; r < rows; r++) {
            for (int n = 0; n < outFeatures; n++) {
                float sum = bias[n];
                for (int k = 0; k < inFeatures; k++) {
                    sum += x[r * inFeatures + k] * weight[n * inFeatures + k];
                }
                y[r * outFeatures + n] = sum;
            }
        }
        bh.consume(y);
    }

    @Benchmark
    public void linearSingleThread(Blackhole bh) {
        MatMul.linearSingleThread(x, rows, inFeatures, weight, outFeatures, bias, y);
        bh.consume(y);
    }

    /** The kernel as the model runs it: weights packed once at load. */
    @Benchmark
    public void packedSingleThread(Blackhole bh) {
        MatMul.linearSingleThread(x, rows, packed, y);
        bh.consume(y);
    }

    @Benchmark
    public void linear(Blackhole bh) {
        MatMul.linear(x, rows, inFeatures, weight, outFeatures, bias, y);
        bh.consume(y);
    }

    @Benchmark
    public void transposeWeight(Blackhole bh) {
        for (int n = 0; n < outFeatures; n++) {
            for (int k = 0; k < inFeatures; k++) {
                weightT[k * outFeatures + n] = weight[n * inFeatures + k];
            }
        }
        bh.consume(weightT);
    }

    private static float[] uniform(int n, double scale, SplittableRandom random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * (2 * random.nextDouble() - 1));
        }
        return v;
    }
}
