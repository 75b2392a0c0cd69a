package io.tuneforge.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The best fp32 matrix-multiply throughput this process reaches right now with each {@link LinearKernel}: what
 * {@code auto} chooses by, and the denominator of the bench's model-FLOP utilisation. Each is the best of several
 * repetitions of an {@code n×n×n} product.
 *
 * @param matMulGflops      best GFLOP/s of {@code matMul}
 * @param convolutionGflops best GFLOP/s of the channels-last 1×1 convolution
 */
public record MatmulPeak(double matMulGflops, double convolutionGflops) {

    /** The better of the two paths. */
    public double bestGflops() {
        return Math.max(matMulGflops, convolutionGflops);
    }

    /** The better of two measurements, path by path (the host's clock and neighbours vary during a run). */
    public MatmulPeak max(MatmulPeak other) {
        return new MatmulPeak(Math.max(matMulGflops, other.matMulGflops),
                Math.max(convolutionGflops, other.convolutionGflops));
    }

    /**
     * Measures with {@code n×n} operands, {@code repetitions} timed runs per kernel after one warm-up, through
     * {@link Linear#project} exactly as the model's linear layers compute.
     */
    public static MatmulPeak measure(int n, int repetitions) {
        double flops = 2.0 * n * n * n;
        double bestMatMul = 0;
        double bestConv = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(n, n));                                  // (n, n) rows
            NDArray weight = manager.randomNormal(new Shape(n, n));                             // (out, in)
            for (int rep = 0; rep <= repetitions; rep++) {
                double matMul = flops / nanos(manager, x, weight, LinearKernel.MATMUL);
                double conv = flops / nanos(manager, x, weight, LinearKernel.CONV);
                if (rep > 0) {
                    bestMatMul = Math.max(bestMatMul, matMul);
                    bestConv = Math.max(bestConv, conv);
                }
            }
        }
        return new MatmulPeak(bestMatMul, bestConv);
    }

    /** Wall time of one projection with {@code kernel}, its result read back. */
    private static long nanos(NDManager manager, NDArray x, NDArray weight, LinearKernel kernel) {
        try (NDManager step = manager.newSubManager()) {
            long start = System.nanoTime();
            Linear.project(step, x, weight, kernel).getFloat(0, 0);
            return System.nanoTime() - start;
        }
    }
}
