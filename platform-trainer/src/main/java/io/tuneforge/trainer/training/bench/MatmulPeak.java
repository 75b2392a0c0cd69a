package io.tuneforge.trainer.training.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * The best fp32 matrix-multiply throughput this process reaches right now, the denominator of model-FLOP
 * utilisation: the faster of libtorch's {@code matMul} (MKL) and a 1×1 convolution on a channels-last view (oneDNN),
 * each the best of several repetitions of an {@code n×n×n} product.
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

    /** Measures with {@code n×n} operands, {@code repetitions} timed runs per path after one warm-up. */
    public static MatmulPeak measure(int n, int repetitions) {
        double flops = 2.0 * n * n * n;
        double bestMatMul = 0;
        double bestConv = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.randomNormal(new Shape(n, n));                                  // (n, n)
            NDArray b = manager.randomNormal(new Shape(n, n));                                  // (n, n)
            NDArray image = a.reshape(1, n, 1, n).transpose(0, 3, 1, 2);                       // (1, n, n, 1) NHWC
            NDArray kernel = b.reshape(n, n, 1, 1);                                             // (n, n, 1, 1)
            for (int rep = 0; rep <= repetitions; rep++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0);
                }
                long t1 = System.nanoTime();
                try (NDArray c = Conv2d.conv2d(image, kernel, null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1),
                        1).singletonOrThrow()) {
                    c.getFloat(0, 0, 0, 0);
                }
                long t2 = System.nanoTime();
                if (rep > 0) {
                    bestMatMul = Math.max(bestMatMul, flops / (t1 - t0));
                    bestConv = Math.max(bestConv, flops / (t2 - t1));
                }
            }
        }
        return new MatmulPeak(bestMatMul, bestConv);
    }
}
